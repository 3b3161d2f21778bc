import {
  InvalidArgumentError,
  InvalidReceiptError,
  NoDeadLetterQueueError,
  NotPartitionOwnerError,
  OffsetOutOfRangeError,
  PartitionOutOfRangeError,
  QueueAlreadyExistsError,
  QueueInUseError,
  QueueNotFoundError,
  ReceiptExpiredError,
  StreamAlreadyExistsError,
  StreamNotFoundError,
  TopicNotFoundError,
  UnknownMemberError,
} from '@switchyard/core';
import type { Redis } from 'ioredis';
import * as admin from './lua/admin-scripts.js';
import { assignorFunctions } from './lua/assignor.js';
import { commitLua } from './lua/commit-script.js';
import { groupPrelude } from './lua/group-prelude.js';
import * as group from './lua/group-scripts.js';
import { insertFunctions } from './lua/insert.js';
import { prelude } from './lua/prelude.js';
import * as queue from './lua/queue-scripts.js';
import { streamPrelude } from './lua/stream-prelude.js';
import * as stream from './lua/stream-scripts.js';

/** Publishing is storing, after checking that the subscriptions read are still current. */
const publishLua = `if (redis.call('GET', P .. ':subver') or '0') ~= ARGV[#ARGV] then return -1 end\n${queue.insertLua}`;

/** Stream and group scripts share the stream, assignor and group helpers (after the prelude). */
const streamLua = (body: string) => streamPrelude + assignorFunctions + groupPrelude + body;

const sources = {
  syInsert: queue.insertLua,
  syPublish: publishLua,
  syLease: queue.leaseLua,
  syRemoveMany: queue.removeManyLua,
  syRelease: queue.releaseLua,
  syExtend: queue.extendLua,
  syDeadLetter: queue.deadLetterLua,
  syCreateQueue: admin.createQueueLua,
  syUpdateQueue: admin.updateQueueLua,
  syDeleteQueue: admin.deleteQueueLua,
  syPurge: admin.purgeLua,
  syStats: admin.statsLua,
  syPeek: admin.peekLua,
  syRedrive: admin.redriveLua,
  sySubscribe: admin.subscribeLua,
  syUnsubscribe: admin.unsubscribeLua,
  syDeleteTopic: admin.deleteTopicLua,
  syReadSubscriptions: admin.readSubscriptionsLua,
  syStreamCreate: streamLua(stream.createStreamLua),
  syStreamDelete: streamLua(stream.deleteStreamLua),
  syStreamAppend: streamLua(stream.appendLua),
  syStreamRead: streamLua(stream.readLua),
  syStreamOffsets: streamLua(stream.offsetsLua),
  syStreamAtTime: streamLua(stream.offsetForTimestampLua),
  syStreamTrim: streamLua(stream.trimLua),
  syGroupJoin: streamLua(group.joinGroupLua),
  syGroupHeartbeat: streamLua(group.heartbeatLua),
  syGroupLeave: streamLua(group.leaveGroupLua),
  syGroupDescribe: streamLua(group.describeGroupLua),
  syGroupCommitted: streamLua(group.committedLua),
  syGroupState: streamLua(group.loadStateLua),
  syGroupCommit: insertFunctions + streamLua(commitLua),
} as const;

export type ScriptName = keyof typeof sources;
type Arg = string | number | Buffer;

/**
 * The scripts, loaded once per connection by ioredis (EVALSHA, falling back to EVAL after a
 * server restart flushed the script cache). `run` returns strings; `runBuffers` bulk replies
 * as Buffers, for bodies.
 */
export class Scripts {
  readonly #redis: Redis;
  readonly #head: Arg[];

  constructor(redis: Redis, prefix: string, origin: string, now: () => number) {
    this.#redis = redis;
    for (const [name, body] of Object.entries(sources)) redis.defineCommand(name, { numberOfKeys: 0, lua: prelude + body });
    this.#head = [prefix, origin];
    this.#now = now;
  }

  readonly #now: () => number;

  run(name: ScriptName, ...args: Arg[]): Promise<unknown> {
    return this.#call(name, args);
  }

  runBuffers(name: ScriptName, ...args: Arg[]): Promise<unknown> {
    return this.#call(`${name}Buffer`, args);
  }

  async #call(command: string, args: Arg[]): Promise<unknown> {
    const fn = (this.#redis as unknown as Record<string, (...a: Arg[]) => Promise<unknown>>)[command] as (...a: Arg[]) => Promise<unknown>;
    try {
      return await fn.call(this.#redis, ...this.#head, this.#now(), ...args);
    } catch (err) {
      throw toTypedError(err);
    }
  }
}

/** Maps a script's `SY_<CODE> detail` error reply to the typed error; anything else passes through. */
export function toTypedError(err: unknown): unknown {
  const m = /SY_([A-Z_]+) ?([^\n]*?)(?: script: .*)?$/s.exec(err instanceof Error ? err.message : '');
  if (!m) return err;
  const detail = (m[2] ?? '').trim();
  switch (m[1]) {
    case 'QUEUE_NOT_FOUND':
      return new QueueNotFoundError(detail);
    case 'TOPIC_NOT_FOUND':
      return new TopicNotFoundError(detail);
    case 'QUEUE_ALREADY_EXISTS':
      return new QueueAlreadyExistsError(detail, 'with other settings');
    case 'QUEUE_IN_USE':
      return new QueueInUseError(detail.split('|')[0] ?? '', `it is the dead-letter queue of ${detail.split('|')[1] ?? ''}`);
    case 'NO_DEAD_LETTER_QUEUE':
      return new NoDeadLetterQueueError(detail);
    case 'RECEIPT_EXPIRED':
      return new ReceiptExpiredError(detail);
    case 'INVALID_RECEIPT':
      return new InvalidReceiptError(detail);
    case 'FIFO_KEY':
      return new InvalidArgumentError('key', `FIFO queue ${detail} needs a group key on every message`);
    case 'FIFO_DELAY':
      return new InvalidArgumentError('delayMs', `FIFO queue ${detail} takes only the queue's delay, not a per-message one`);
    case 'DLQ_KIND': {
      const fifo = detail === '1';
      return new InvalidArgumentError('deadLetter.queue', `a ${fifo ? 'FIFO' : 'standard'} queue needs a ${fifo ? 'FIFO' : 'standard'} dead-letter queue`);
    }
    case 'DLQ_SELF':
      return new InvalidArgumentError('deadLetter.queue', 'a queue cannot be its own dead-letter queue');
    case 'STREAM_NOT_FOUND':
      return new StreamNotFoundError(detail);
    case 'STREAM_ALREADY_EXISTS':
      return new StreamAlreadyExistsError(detail, 'with other settings');
    case 'PARTITION_OUT_OF_RANGE': {
      const [stream = '', partition = '', partitions = ''] = fields(detail, 3);
      return new PartitionOutOfRangeError(stream, Number(partition), Number(partitions));
    }
    case 'OFFSET_OUT_OF_RANGE': {
      const [stream = '', partition = '', offset = '', start = '', end = ''] = fields(detail, 5);
      return new OffsetOutOfRangeError(stream, Number(partition), Number(offset), Number(start), Number(end));
    }
    case 'NOT_PARTITION_OWNER': {
      const [stream = '', group = '', partition = '', member = ''] = fields(detail, 4);
      return new NotPartitionOwnerError(stream, group, member, Number(partition));
    }
    case 'UNKNOWN_MEMBER': {
      const [stream = '', group = '', member = ''] = fields(detail, 3);
      return new UnknownMemberError(stream, group, member);
    }
    case 'GROUP_STRATEGY': {
      const [group = '', strategy = ''] = fields(detail, 2);
      return new InvalidArgumentError('strategy', `group ${JSON.stringify(group)} uses ${strategy} while it has members`);
    }
    case 'GENERATION': {
      const [group = '', generation = ''] = fields(detail, 2);
      return new InvalidArgumentError('generation', `group ${JSON.stringify(group)} is at generation ${generation}`);
    }
    default:
      return err;
  }
}

/** Splits a `a|b|…` detail into n fields; the last takes the rest (member ids may hold `|`). */
function fields(detail: string, n: number): string[] {
  const parts = detail.split('|');
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join('|')];
}
