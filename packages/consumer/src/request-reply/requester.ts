import { randomUUID } from 'node:crypto';
import {
  AbortedError,
  checkInt,
  ClosedError,
  ErrorCode,
  Header,
  InvalidArgumentError,
  isSwitchyardError,
  sleep,
  type Body,
  type Broker,
  type Clock,
  type Delivery,
  type Message,
  type OutgoingMessage,
  type Queue,
  type TimerHandle,
} from '@switchyard/core';
import { propagate } from '../correlation-scope.js';
import { RequestFailedError, RequestTimeoutError } from '../errors.js';
import { defaultLogger, type Logger } from '../logger.js';
import { ReplyHeader } from '../reply-headers.js';

export interface RequesterOptions {
  broker: Broker;
  /**
   * The queue replies come to. Default: a fresh `reply-<uuid>` queue created now and deleted by
   * `close()`. A named queue must exist and must serve this requester alone.
   */
  replyQueue?: string;
  /** Default timeout of a request. Default 30 000 ms; 1 ms to 12 h. */
  timeoutMs?: number;
  logger?: Logger;
}

export interface RequestOptions {
  /** Default: the requester's. */
  timeoutMs?: number;
  /** Cancels the wait (the request itself stays sent; its reply is dropped when it comes). */
  signal?: AbortSignal;
}

interface Pending {
  resolve(reply: Message): void;
  reject(err: unknown): void;
}

/**
 * Request/reply over queues. `request` sends a message with `reply-to` and `reply-deadline`
 * headers and resolves with the reply whose `causation-id` is the request's id; it rejects with
 * `RequestTimeoutError` when none comes in time, `AbortedError` when its signal aborts,
 * `RequestFailedError` when the responder replied with an error, `ClosedError` on close.
 * One receive loop serves every outstanding request; late replies are acked and dropped.
 */
export class Requester implements AsyncDisposable {
  readonly replyQueue: Queue;
  readonly #broker: Broker;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #logger: Logger;
  readonly #ownsQueue: boolean;
  readonly #pending = new Map<string, Pending>();
  readonly #stop = new AbortController();
  #loop: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;

  private constructor(broker: Broker, replyQueue: Queue, ownsQueue: boolean, timeoutMs: number, logger: Logger) {
    this.#broker = broker;
    this.#clock = broker.clock;
    this.replyQueue = replyQueue;
    this.#ownsQueue = ownsQueue;
    this.#timeoutMs = timeoutMs;
    this.#logger = logger;
  }

  static async open(options: RequesterOptions): Promise<Requester> {
    const { broker } = options;
    if (typeof broker?.queue !== 'function') throw new InvalidArgumentError('broker', 'must be a Broker');
    const timeoutMs = checkInt('timeoutMs', options.timeoutMs ?? 30_000, { min: 1, max: 12 * 3600_000 });
    const logger = options.logger ?? defaultLogger('switchyard-requester');
    let queue: Queue;
    if (options.replyQueue === undefined) {
      // Replies nobody waits for any more expire within a minute.
      queue = await broker.createQueue(`reply-${randomUUID()}`, { retentionMs: 60_000 });
    } else {
      queue = broker.queue(options.replyQueue);
      await queue.info();
    }
    const requester = new Requester(broker, queue, options.replyQueue === undefined, timeoutMs, logger);
    requester.#loop = requester.#receiveLoop();
    return requester;
  }

  async request<R extends Body = Body>(queue: string | Queue, message: OutgoingMessage, options: RequestOptions = {}): Promise<Message<R>> {
    if (this.#closing) throw new ClosedError('requester');
    const timeoutMs = checkInt('timeoutMs', options.timeoutMs ?? this.#timeoutMs, { min: 1, max: 12 * 3600_000 });
    const { signal } = options;
    if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
    const target = typeof queue === 'string' ? this.#broker.queue(queue) : queue;
    const id = message.id ?? randomUUID();
    const headers = propagate({
      ...message.headers,
      [Header.replyTo]: this.replyQueue.name,
      [ReplyHeader.deadline]: String(this.#clock.now() + timeoutMs),
    });
    let timer: TimerHandle | undefined;
    let onAbort: (() => void) | undefined;
    const reply = new Promise<Message>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      timer = this.#clock.setTimer(() => reject(new RequestTimeoutError(timeoutMs)), timeoutMs);
      onAbort = () => reject(new AbortedError({ cause: signal?.reason }));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    // The reply may fail (time out) while the send is still in flight; it is awaited below.
    reply.catch(() => undefined);
    try {
      await target.send({ ...message, id, headers });
      return (await reply) as Message<R>;
    } finally {
      this.#pending.delete(id);
      timer?.cancel();
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Rejects outstanding requests with ClosedError, stops receiving, deletes an own reply queue. */
  close(): Promise<void> {
    return (this.#closing ??= (async () => {
      this.#stop.abort(new ClosedError('requester'));
      for (const p of this.#pending.values()) p.reject(new ClosedError('requester'));
      await this.#loop;
      if (this.#ownsQueue) await this.#broker.deleteQueue(this.replyQueue.name).catch((err: unknown) => this.#logger.warn({ err }, 'could not delete the reply queue'));
    })());
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #receiveLoop(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      let batch: Delivery[];
      try {
        batch = await this.replyQueue.receive({ max: 100, waitMs: 20_000, signal });
      } catch (err) {
        if (signal.aborted || isSwitchyardError(err, ErrorCode.Closed)) return;
        this.#logger.error({ err, queue: this.replyQueue.name }, 'receiving replies failed; retrying');
        await sleep(this.#clock, 1000, signal).catch(() => undefined);
        continue;
      }
      for (const reply of batch) {
        this.#deliver(reply);
        this.replyQueue.ack(reply).catch((err: unknown) => this.#logger.warn({ err }, 'could not ack a reply'));
      }
    }
  }

  #deliver(reply: Delivery): void {
    const requestId = reply.headers[Header.causationId];
    const pending = requestId === undefined ? undefined : this.#pending.get(requestId);
    if (!pending) {
      this.#logger.debug({ messageId: reply.id, requestId }, 'a reply nobody waits for was dropped');
      return;
    }
    if (reply.headers[ReplyHeader.status] === 'error') pending.reject(new RequestFailedError(reply.headers[ReplyHeader.error] ?? 'unknown error'));
    else {
      const { queue: _q, receipt: _r, attempt: _a, enqueuedAt: _e, ...message } = reply;
      pending.resolve(message);
    }
  }
}
