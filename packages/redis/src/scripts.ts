import {
  InvalidArgumentError,
  InvalidReceiptError,
  NoDeadLetterQueueError,
  QueueAlreadyExistsError,
  QueueInUseError,
  QueueNotFoundError,
  ReceiptExpiredError,
  TopicNotFoundError,
} from '@switchyard/core';
import type { Redis } from 'ioredis';
import * as admin from './lua/admin-scripts.js';
import { prelude } from './lua/prelude.js';
import * as queue from './lua/queue-scripts.js';

/** Publishing is storing, after checking that the subscriptions read are still current. */
const publishLua = `if (redis.call('GET', P .. ':subver') or '0') ~= ARGV[#ARGV] then return -1 end\n${queue.insertLua}`;

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
    default:
      return err;
  }
}
