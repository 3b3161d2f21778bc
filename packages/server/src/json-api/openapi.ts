/**
 * The JSON API described as OpenAPI 3.1, served at GET /v1/openapi.json. Errors are always
 * `{ "error": { "code": "<STABLE_CODE>", "message": "…" } }`.
 */
import { body, ok, op, ref } from '../openapi-builders.js';
import { pushPaths, pushSchemas } from '../push/openapi.js';
import { registryPaths, registrySchemas } from '../registry/openapi.js';
import { testClockPaths } from '../test-clock/openapi.js';
import { streamPaths, streamSchemas } from './stream-openapi.js';

const name = (what: string) => ({ name: 'name', in: 'path', required: true, schema: { type: 'string' }, description: `${what} name` });

export const openApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Switchyard JSON API', version: '1', description: 'Durable queues, topics and streams, and a service registry, over HTTP. Authenticate with `Authorization: Bearer <accessKeyId>:<secretAccessKey>` when the server has credentials.' },
  paths: {
    '/v1/queues': { get: op('List queues', ok({ type: 'object', properties: { queues: { type: 'array', items: ref('QueueInfo') } } }), { parameters: [{ name: 'prefix', in: 'query', schema: { type: 'string' } }] }) },
    '/v1/queues/{name}': {
      parameters: [name('Queue')],
      put: op('Create a queue (idempotent with the same settings; 409 QUEUE_ALREADY_EXISTS otherwise)', ok(ref('QueueInfo')), body(ref('QueueOptions'))),
      get: op('Queue settings', ok(ref('QueueInfo'))),
      patch: op('Change settings (not fifo)', ok(ref('QueueInfo')), body(ref('QueueOptions'))),
      delete: op('Delete a queue and its messages', ok({ type: 'object', properties: { deleted: { type: 'boolean' } } })),
    },
    '/v1/queues/{name}/messages': { parameters: [name('Queue')], post: op('Send a batch atomically', ok({ type: 'object', properties: { results: { type: 'array', items: ref('SendResult') } } }), body({ type: 'object', required: ['messages'], properties: { messages: { type: 'array', items: ref('OutgoingMessage') } } })) },
    '/v1/queues/{name}/receive': { parameters: [name('Queue')], post: op('Lease messages; long-polls up to waitMs', ok({ type: 'object', properties: { messages: { type: 'array', items: ref('Delivery') } } }), body({ type: 'object', properties: { max: { type: 'integer', minimum: 1 }, waitMs: { type: 'integer', minimum: 0, maximum: 60000 }, visibilityMs: { type: 'integer', minimum: 0 } } })) },
    '/v1/queues/{name}/ack': { parameters: [name('Queue')], post: op('Delete leased messages in one commit; each receipt succeeds or fails alone (at most the batch limit, 1,000 by default)', ok({ type: 'object', properties: { results: { type: 'array', items: { type: 'object', properties: { receipt: { type: 'string' }, ok: { type: 'boolean' }, error: ref('ErrorDetail') } } } } }), body({ type: 'object', required: ['receipts'], properties: { receipts: { type: 'array', items: { type: 'string' } } } })) },
    '/v1/queues/{name}/nack': { parameters: [name('Queue')], post: op('Release a lease; deliverable again after delayMs', ok({ type: 'object' }), body({ type: 'object', required: ['receipt'], properties: { receipt: { type: 'string' }, delayMs: { type: 'integer' }, error: { type: 'string' } } })) },
    '/v1/queues/{name}/extend': { parameters: [name('Queue')], post: op('Set the lease to end visibilityMs from now', ok({ type: 'object' }), body({ type: 'object', required: ['receipt', 'visibilityMs'], properties: { receipt: { type: 'string' }, visibilityMs: { type: 'integer' } } })) },
    '/v1/queues/{name}/dead-letter': { parameters: [name('Queue')], post: op('Move a leased poison message to the dead-letter queue', ok({ type: 'object' }), body({ type: 'object', required: ['receipt'], properties: { receipt: { type: 'string' }, error: { type: 'string' } } })) },
    '/v1/queues/{name}/peek': { parameters: [name('Queue'), { name: 'max', in: 'query', schema: { type: 'integer' } }, { name: 'cursor', in: 'query', schema: { type: 'string' } }], get: op('Browse without leasing', ok({ type: 'object', properties: { messages: { type: 'array', items: ref('PeekedMessage') }, next: { type: 'string' } } })) },
    '/v1/queues/{name}/stats': { parameters: [name('Queue')], get: op('Counts by state', ok(ref('QueueStats'))) },
    '/v1/queues/{name}/purge': { parameters: [name('Queue')], post: op('Delete every message', ok({ type: 'object', properties: { purged: { type: 'integer' } } })) },
    '/v1/queues/{name}/redrive': { parameters: [name('Queue')], post: op('Move dead letters back to their sources (or to `to`)', ok({ type: 'object', properties: { moved: { type: 'integer' }, skipped: { type: 'integer' } } }), body({ type: 'object', properties: { to: { type: 'string' }, max: { type: 'integer' }, maxPerSecond: { type: 'integer' } } })) },
    '/v1/queues/{name}/dead-letter-sources': { parameters: [name('Queue')], get: op('Queues whose dead-letter queue this is', ok({ type: 'object', properties: { queues: { type: 'array', items: { type: 'string' } } } })) },
    '/v1/topics': { get: op('List topics', ok({ type: 'object', properties: { topics: { type: 'array', items: ref('TopicInfo') } } })) },
    '/v1/topics/{name}': { parameters: [name('Topic')], put: op('Create a topic (idempotent)', ok(ref('TopicInfo'))), delete: op('Delete a topic and its subscriptions', ok({ type: 'object', properties: { deleted: { type: 'boolean' } } })) },
    '/v1/topics/{name}/messages': { parameters: [name('Topic')], post: op('Publish a batch; fans out to matching subscriptions in one transaction', ok({ type: 'object', properties: { results: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, deliveredTo: { type: 'integer' } } } } } }), body({ type: 'object', required: ['messages'], properties: { messages: { type: 'array', items: ref('OutgoingMessage') } } })) },
    '/v1/topics/{name}/subscriptions': {
      parameters: [name('Topic')],
      get: op('List subscriptions', ok({ type: 'object', properties: { subscriptions: { type: 'array', items: ref('Subscription') } } })),
      post: op('Subscribe a queue, optionally with a filter policy', ok(ref('Subscription')), body({ type: 'object', required: ['queue'], properties: { queue: { type: 'string' }, filter: { type: 'object' } } })),
    },
    '/v1/topics/{name}/subscriptions/{id}': { parameters: [name('Topic'), { name: 'id', in: 'path', required: true, schema: { type: 'string' } }], delete: op('Unsubscribe', ok({ type: 'object', properties: { deleted: { type: 'boolean' } } })) },
    '/healthz': { get: op('Liveness', ok({ type: 'object' })) },
    '/readyz': { get: op('Readiness (503 while shutting down)', ok({ type: 'object' })) },
    '/metrics': { get: op('Prometheus metrics', { '200': { description: 'text/plain exposition format' } }) },
    ...streamPaths,
    ...pushPaths,
    ...registryPaths,
    ...testClockPaths,
  },
  components: {
    schemas: {
      ErrorDetail: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
      Error: { type: 'object', required: ['error'], properties: { error: ref('ErrorDetail') } },
      QueueOptions: { type: 'object', properties: { fifo: { type: 'boolean' }, visibilityTimeoutMs: { type: 'integer' }, delayMs: { type: 'integer' }, retentionMs: { type: 'integer' }, dedupWindowMs: { type: 'integer' }, deadLetter: { oneOf: [{ type: 'null' }, { type: 'object', required: ['queue', 'maxReceives'], properties: { queue: { type: 'string' }, maxReceives: { type: 'integer' } } }] } } },
      QueueInfo: { allOf: [ref('QueueOptions'), { type: 'object', properties: { name: { type: 'string' }, createdAt: { type: 'integer' } } }] },
      QueueStats: { type: 'object', properties: { ready: { type: 'integer' }, leased: { type: 'integer' }, delayed: { type: 'integer' }, blocked: { type: 'integer' }, oldestAgeMs: { type: 'integer' }, deadLettered: { type: 'integer' }, expired: { type: 'integer' } } },
      OutgoingMessage: { type: 'object', description: 'Exactly one of body (any JSON; a string travels as text) and bodyBase64 (bytes).', properties: { id: { type: 'string' }, type: { type: 'string' }, body: {}, bodyBase64: { type: 'string' }, headers: { type: 'object', additionalProperties: { type: 'string' } }, key: { type: 'string' }, dedupId: { type: 'string' }, delayMs: { type: 'integer' }, timestamp: { type: 'integer' } } },
      SendResult: { type: 'object', properties: { id: { type: 'string' }, duplicate: { type: 'boolean' }, sequence: { type: 'string', description: 'grows with send order (20 digits)' } } },
      Delivery: { allOf: [ref('OutgoingMessage'), { type: 'object', properties: { queue: { type: 'string' }, receipt: { type: 'string' }, attempt: { type: 'integer' }, enqueuedAt: { type: 'integer' }, firstReceivedAt: { type: 'integer' }, sequence: { type: 'string' } } }] },
      PeekedMessage: { allOf: [ref('OutgoingMessage'), { type: 'object', properties: { queue: { type: 'string' }, state: { enum: ['ready', 'leased', 'delayed', 'blocked'] }, receives: { type: 'integer' }, enqueuedAt: { type: 'integer' }, visibleAt: { type: 'integer' } } }] },
      TopicInfo: { type: 'object', properties: { name: { type: 'string' }, createdAt: { type: 'integer' } } },
      Subscription: { type: 'object', properties: { id: { type: 'string' }, topic: { type: 'string' }, queue: { type: 'string' }, filter: { type: ['object', 'null'] }, createdAt: { type: 'integer' } } },
      ...streamSchemas,
      ...pushSchemas,
      ...registrySchemas,
    },
  },
} as const;
