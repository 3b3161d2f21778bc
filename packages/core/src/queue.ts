import { decodeEncoded, type EncodedBody } from './body.js';
import type { Clock } from './clock.js';
import { BatchTooLargeError, InvalidArgumentError, isReceiptError, isSwitchyardError, type SwitchyardError } from './errors.js';
import type { Engine } from './engine/engine.js';
import { queueLimits, type QueueInfo, type QueueOptions, type QueueStats } from './engine/queue-config.js';
import type { EnqueueResult, PeekPage, RedriveOptions, RedriveResult } from './engine/queue-engine.js';
import type { Body, Delivery, OutgoingMessage, PeekedMessage } from './message.js';
import { prepareEntries, type MessageLimits } from './prepare.js';
import { checkQueueChanges } from './queue-options.js';
import { checkInt, checkOptions, checkQueueName, checkString } from './validate.js';

export interface ReceiveOptions {
  /** At most this many messages. Default 1. */
  max?: number;
  /** Long poll: wait up to this long for a message. Default 0 (return at once); at most 60 s. */
  waitMs?: number;
  /** Lease length; the queue's visibility timeout when absent. */
  visibilityMs?: number;
  signal?: AbortSignal;
}

export interface NackOptions {
  /** Deliverable again after this long. Default 0. */
  delayMs?: number;
  /** Recorded as the message's last error (and in its dead-letter headers if it dies). */
  error?: unknown;
}

export interface PeekOptions {
  max?: number;
  cursor?: string;
}

/** A receipt, or the delivery that carries one. */
export type ReceiptLike = string | { receipt: string };

/** How one receipt of `ackBatch` ended: acked (or already gone), or the error `ack` would have thrown. */
export type AckOutcome = { ok: true } | { ok: false; error: SwitchyardError };

const maxErrorLength = 4096;

/**
 * A handle on one queue. Creating it does no I/O; every call validates its input before the
 * engine sees it, so bad input is refused with a typed error and stored data is untouched.
 */
export class Queue<B extends Body = Body> {
  readonly name: string;
  readonly #engine: Engine;
  readonly #limits: MessageLimits;
  readonly #clock: Clock;

  constructor(engine: Engine, name: string, limits: MessageLimits, clock: Clock) {
    this.name = checkQueueName(name);
    this.#engine = engine;
    this.#limits = limits;
    this.#clock = clock;
  }

  /** Sends one message; resolves once it is durable. */
  async send(message: OutgoingMessage<B>): Promise<EnqueueResult> {
    const [result] = await this.#engine.queues.enqueue(this.name, prepareEntries([message], this.#limits, this.#clock));
    return result as EnqueueResult;
  }

  /** Sends a batch atomically: all are stored or none. */
  async sendBatch(messages: readonly OutgoingMessage<B>[]): Promise<EnqueueResult[]> {
    return this.#engine.queues.enqueue(this.name, prepareEntries(messages, this.#limits, this.#clock));
  }

  /** Leases up to `max` messages, waiting up to `waitMs` for the first. */
  async receive(options: ReceiveOptions = {}): Promise<Delivery<B>[]> {
    checkOptions(options);
    const max = checkInt('max', options.max ?? 1, { min: 1, max: this.#limits.maxBatch });
    const waitMs = checkInt('waitMs', options.waitMs ?? 0, queueLimits.waitMs);
    const request: { max: number; waitMs: number; visibilityMs?: number } = { max, waitMs };
    if (options.visibilityMs !== undefined) request.visibilityMs = checkInt('visibilityMs', options.visibilityMs, queueLimits.visibilityTimeoutMs);
    const leased = await this.#engine.queues.lease(this.name, request, options.signal);
    return leased.map((d) => decode(d) as Delivery<B>);
  }

  /** Deletes a received message. Acking twice is harmless. */
  async ack(receipt: ReceiptLike): Promise<void> {
    return this.#engine.queues.remove(this.name, receiptOf(receipt));
  }

  /**
   * Acks several received messages of this queue at once: one operation (one commit) on engines
   * that batch acks, one `ack` per receipt on the others. Resolves with one outcome per receipt,
   * in order: `{ ok: true }`, or `{ ok: false, error }` with the error `ack` would have thrown
   * for that receipt alone (INVALID_ARGUMENT for a malformed one, INVALID_RECEIPT,
   * RECEIPT_EXPIRED); the others are acked all the same. Rejects as a whole (acking none) for a
   * list that is not an array or is over the batch limit, an unknown queue, or a failing engine.
   */
  async ackBatch(receipts: readonly ReceiptLike[]): Promise<AckOutcome[]> {
    if (!Array.isArray(receipts)) throw new InvalidArgumentError('receipts', 'must be an array');
    if (receipts.length > this.#limits.maxBatch) throw new BatchTooLargeError(receipts.length, this.#limits.maxBatch);
    const outcomes: (AckOutcome | undefined)[] = [];
    const valid: string[] = [];
    const at: number[] = [];
    // An index loop, not forEach: a hole in a sparse array is a malformed receipt in its place.
    for (let i = 0; i < receipts.length; i++) {
      try {
        valid.push(receiptOf(receipts[i] as ReceiptLike));
        at.push(i);
        outcomes.push(undefined);
      } catch (err) {
        if (!isSwitchyardError(err)) throw err;
        outcomes.push({ ok: false, error: err });
      }
    }
    if (valid.length > 0) {
      const errors = await this.#removeBatch(valid);
      errors.forEach((error, k) => {
        outcomes[at[k] as number] = error === undefined ? { ok: true } : { ok: false, error };
      });
    }
    return outcomes as AckOutcome[];
  }

  #removeBatch(receipts: string[]): Promise<(SwitchyardError | undefined)[]> {
    const queues = this.#engine.queues;
    if (queues.removeBatch) return queues.removeBatch(this.name, receipts);
    return Promise.all(
      receipts.map((r) =>
        queues.remove(this.name, r).then(
          () => undefined,
          (err: unknown) => {
            if (isReceiptError(err)) return err;
            throw err;
          },
        ),
      ),
    );
  }

  /** Gives a message back, deliverable again after `delayMs`. */
  async nack(receipt: ReceiptLike, options: NackOptions = {}): Promise<void> {
    checkOptions(options);
    const delayMs = checkInt('delayMs', options.delayMs ?? 0, queueLimits.nackDelayMs);
    const release: { delayMs: number; error?: string } = { delayMs };
    const error = describeError(options.error);
    if (error !== undefined) release.error = error;
    return this.#engine.queues.release(this.name, receiptOf(receipt), release);
  }

  /** Sets the lease to end `visibilityMs` from now. */
  async extend(receipt: ReceiptLike, visibilityMs: number): Promise<void> {
    checkInt('visibilityMs', visibilityMs, queueLimits.visibilityTimeoutMs);
    return this.#engine.queues.extendLease(this.name, receiptOf(receipt), visibilityMs);
  }

  /** Sends a poison message straight to the dead-letter queue, recording `error`. */
  async deadLetter(receipt: ReceiptLike, options: { error?: unknown } = {}): Promise<void> {
    const error = describeError(options.error);
    return this.#engine.queues.moveToDeadLetter(this.name, receiptOf(receipt), error === undefined ? {} : { error });
  }

  /** Moves messages from this (dead-letter) queue back to their sources, or to `options.to`. */
  async redrive(options: RedriveOptions & { signal?: AbortSignal } = {}): Promise<RedriveResult> {
    const { signal, ...rest } = checkOptions(options);
    const checked: RedriveOptions = {};
    if (rest.to !== undefined) checked.to = checkQueueName(rest.to);
    if (rest.maxPerSecond !== undefined) checked.maxPerSecond = checkInt('maxPerSecond', rest.maxPerSecond, { min: 1, max: 1_000_000 });
    if (rest.max !== undefined) checked.max = checkInt('max', rest.max, { min: 1, max: Number.MAX_SAFE_INTEGER });
    return this.#engine.queues.redrive(this.name, checked, signal);
  }

  /** Deletes every message; returns how many. */
  async purge(): Promise<number> {
    return this.#engine.queues.purge(this.name);
  }

  /** Browses messages in delivery order without leasing them. */
  async peek(options: PeekOptions = {}): Promise<{ messages: PeekedMessage<B>[]; next?: string }> {
    checkOptions(options);
    const max = checkInt('max', options.max ?? 10, { min: 1, max: this.#limits.maxBatch });
    const request: { max: number; cursor?: string } = { max };
    if (options.cursor !== undefined) request.cursor = checkString('cursor', options.cursor, 256);
    const page: PeekPage = await this.#engine.queues.peek(this.name, request);
    const messages = page.messages.map((m) => decode(m) as PeekedMessage<B>);
    return page.next === undefined ? { messages } : { messages, next: page.next };
  }

  async stats(): Promise<QueueStats> {
    return this.#engine.queues.stats(this.name);
  }

  async info(): Promise<QueueInfo> {
    return this.#engine.admin.getQueue(this.name);
  }

  /** Changes settings (all but `fifo`). */
  async update(changes: QueueOptions): Promise<QueueInfo> {
    return this.#engine.admin.updateQueue(this.name, checkQueueChanges(this.name, changes));
  }
}

function receiptOf(r: ReceiptLike): string {
  const receipt = typeof r === 'string' ? r : r?.receipt;
  return checkString('receipt', receipt, 1024);
}

/** Decodes the body in place: engines hand over fresh objects, so nothing else sees them. */
function decode<T extends { body: EncodedBody }>(m: T): Omit<T, 'body'> & { body: Body } {
  const out = m as unknown as Omit<T, 'body'> & { body: Body };
  out.body = decodeEncoded(m.body);
  return out;
}

/** Turns whatever a handler threw into a bounded string for storage. */
export function describeError(error: unknown): string | undefined {
  if (error === undefined || error === null) return undefined;
  let text: string;
  if (error instanceof Error) text = `${error.name}: ${error.message}`;
  else if (typeof error === 'string') text = error;
  else {
    try {
      text = JSON.stringify(error);
    } catch {
      text = String(error);
    }
  }
  if (typeof text !== 'string') throw new InvalidArgumentError('error', 'must be describable');
  return text.length > maxErrorLength ? `${text.slice(0, maxErrorLength - 1)}…` : text;
}
