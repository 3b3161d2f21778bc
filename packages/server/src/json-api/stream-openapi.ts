/**
 * The stream routes (streams.ts, stream-groups.ts) in the OpenAPI document; openapi.ts merges
 * these in. Shapes follow core's stream-config.ts and stream-group.ts; bytes are base64.
 */
import { body, int, obj, ok, op, ref } from '../openapi-builders.js';

const stream = { name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,249}$' }, description: 'Stream name' };
const group = { name: 'group', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,249}$' }, description: 'Consumer group name' };
const query = (name: string, description: string) => ({ name, in: 'query', required: true, schema: int, description });
const positions = { type: 'array', items: ref('StreamPosition') };
const memberBody = body(obj({ memberId: { type: 'string' } }, ['memberId']));

export const streamPaths = {
  '/v1/streams': { get: op('List streams', ok(obj({ streams: { type: 'array', items: ref('StreamInfo') } })), { parameters: [{ name: 'prefix', in: 'query', schema: { type: 'string' } }] }) },
  '/v1/streams/{name}': {
    parameters: [stream],
    put: op('Create a stream (idempotent with the same settings; 409 STREAM_ALREADY_EXISTS otherwise)', ok(ref('StreamInfo')), body(ref('StreamOptions'))),
    get: op('Stream settings', ok(ref('StreamInfo'))),
    delete: op('Delete a stream with its records, groups, offsets and state', ok(obj({ deleted: { type: 'boolean' } }))),
  },
  '/v1/streams/{name}/messages': {
    parameters: [stream],
    post: op(
      'Append a batch atomically. A record goes to its `partition`, else to the partition of its `key` (Kafka\'s murmur2), else round robin; 400 PARTITION_OUT_OF_RANGE stores none of them',
      ok(obj({ results: { type: 'array', items: ref('AppendResult') } })),
      body(obj({ messages: { type: 'array', items: ref('StreamMessage') } }, ['messages'])),
    ),
  },
  '/v1/streams/{name}/read': {
    parameters: [stream],
    post: op(
      'Read records at and after each position, in offset order per partition; long-polls up to waitMs for the first record, and answers empty when the wait runs out, the client goes away or the server shuts down. An offset outside [start, end] is 400 OFFSET_OUT_OF_RANGE (the end itself waits)',
      ok(obj({ records: { type: 'array', items: ref('StreamRecord') } })),
      body(obj({ from: { ...positions, minItems: 1 }, max: { type: 'integer', minimum: 1, default: 100 }, waitMs: { type: 'integer', minimum: 0, maximum: 60000, default: 0 } }, ['from'])),
    ),
  },
  '/v1/streams/{name}/offsets': { parameters: [stream], get: op('Where each partition\'s log starts and ends', ok(obj({ partitions: { type: 'array', items: ref('PartitionOffsets') } }))) },
  '/v1/streams/{name}/offset-for-timestamp': {
    parameters: [stream, query('partition', 'Partition'), query('timestamp', 'Epoch ms')],
    get: op('The first offset, in log order, of a record with a timestamp at or after `timestamp`; null when none is that recent', ok(obj({ offset: { type: ['integer', 'null'] } }))),
  },
  '/v1/streams/{name}/trim': { parameters: [stream], post: op('Apply retention now', ok(ref('TrimResult'))) },
  '/v1/streams/{name}/stats': { parameters: [stream], get: op('Offsets per partition and what retention removed, ever', ok(ref('StreamStats'))) },
  '/v1/streams/{name}/groups/{group}': {
    parameters: [stream, group],
    get: op('Members, assignment and committed offsets; `group` is null when there is no such group', ok(obj({ group: { oneOf: [{ type: 'null' }, ref('GroupInfo')] } }))),
  },
  '/v1/streams/{name}/groups/{group}/join': {
    parameters: [stream, group],
    post: op(
      'Join (creating the group on first join) and rebalance. Joining again under the same memberId replaces and fences the previous incarnation',
      ok(ref('Membership')),
      body(obj({ memberId: { type: 'string', minLength: 1, maxLength: 256 }, sessionTimeoutMs: { type: 'integer', minimum: 100, maximum: 3600000, default: 10000 }, strategy: { enum: ['range', 'sticky'], default: 'sticky' }, start: { enum: ['earliest', 'latest'], default: 'latest' } })),
    ),
  },
  '/v1/streams/{name}/groups/{group}/heartbeat': {
    parameters: [stream, group],
    post: op('Stay alive for another session timeout and learn what is owned, gained and lost; 400 UNKNOWN_MEMBER when the member expired or left', ok(ref('Membership')), memberBody),
  },
  '/v1/streams/{name}/groups/{group}/leave': { parameters: [stream, group], post: op('Leave and rebalance the rest at once', ok(obj({ left: { type: 'boolean' } })), memberBody) },
  '/v1/streams/{name}/groups/{group}/offsets': { parameters: [stream, group], get: op('Committed offsets (the next offset to read) by partition', ok(obj({ offsets: { type: 'array', items: ref('CommittedOffset') } }))) },
  '/v1/streams/{name}/groups/{group}/state': {
    parameters: [stream, group, query('partition', 'Partition')],
    get: op('The group\'s keyed state for one partition', ok(obj({ state: { type: 'array', items: obj({ key: { type: 'string' }, valueBase64: { type: 'string' } }) } }))),
  },
  '/v1/streams/{name}/groups/{group}/commit': {
    parameters: [stream, group],
    post: op(
      'Store offsets, state changes and output records in one atomic step. Every partition named must be owned by the member under an ownership that began at or before `generation`, else 400 NOT_PARTITION_OWNER and nothing is stored. Outputs need `send` on each stream and topic',
      ok(obj({ ok: { const: true } })),
      body(
        obj(
          {
            memberId: { type: 'string' },
            generation: int,
            offsets: positions,
            state: { type: 'array', items: obj({ partition: int, key: { type: 'string', minLength: 1, maxLength: 512 }, valueBase64: { type: ['string', 'null'], description: 'null deletes the key' } }, ['partition', 'key', 'valueBase64']) },
            appends: { type: 'array', items: obj({ stream: { type: 'string' }, messages: { type: 'array', items: ref('StreamMessage') } }, ['stream', 'messages']) },
            publishes: { type: 'array', items: obj({ topic: { type: 'string' }, messages: { type: 'array', items: ref('OutgoingMessage') } }, ['topic', 'messages']) },
          },
          ['memberId', 'generation', 'offsets'],
        ),
      ),
    ),
  },
};

const partitions = { type: 'array', items: int };

export const streamSchemas = {
  StreamOptions: obj({ partitions: { type: 'integer', minimum: 1, maximum: 1024, default: 1 }, retention: obj({ maxAgeMs: { type: ['integer', 'null'], minimum: 1000, default: 604800000 }, maxBytes: { type: ['integer', 'null'], minimum: 1024, default: null, description: 'Per partition' } }) }),
  StreamInfo: obj({ name: { type: 'string' }, partitions: int, retention: obj({ maxAgeMs: { type: ['integer', 'null'] }, maxBytes: { type: ['integer', 'null'] } }), createdAt: int }),
  StreamMessage: { type: 'object', description: 'A message as in OutgoingMessage, with `partition` and without `delayMs` or `dedupId`.', properties: { id: { type: 'string' }, type: { type: 'string' }, body: {}, bodyBase64: { type: 'string' }, headers: { type: 'object', additionalProperties: { type: 'string' } }, key: { type: 'string' }, timestamp: int, partition: int } },
  StreamRecord: { allOf: [ref('StreamMessage'), obj({ stream: { type: 'string' }, offset: int, appendedAt: int })] },
  StreamPosition: obj({ partition: int, offset: int }, ['partition', 'offset']),
  AppendResult: obj({ id: { type: 'string' }, partition: int, offset: int }),
  PartitionOffsets: obj({ partition: int, start: int, end: { type: 'integer', description: 'The offset the next append gets' }, bytes: int }),
  TrimResult: obj({ removedByAge: int, removedBySize: int, removedUncommitted: { type: 'integer', description: 'Of removedBySize, records a live group had not committed' } }),
  StreamStats: { allOf: [ref('TrimResult'), obj({ partitions: { type: 'array', items: ref('PartitionOffsets') } })] },
  Membership: obj({ memberId: { type: 'string' }, generation: int, partitions, ownedSince: partitions, gained: partitions, lost: partitions }),
  CommittedOffset: obj({ partition: int, offset: int, committedAt: int }),
  GroupInfo: obj({
    stream: { type: 'string' },
    name: { type: 'string' },
    strategy: { enum: ['range', 'sticky'] },
    start: { enum: ['earliest', 'latest'] },
    generation: int,
    members: { type: 'array', items: obj({ memberId: { type: 'string' }, partitions, expiresAt: int }) },
    committed: { type: 'array', items: ref('CommittedOffset') },
  }),
};
