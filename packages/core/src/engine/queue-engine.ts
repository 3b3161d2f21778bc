import type { Clock } from '../clock.js';
import type { EncodedBody } from '../body.js';
import type { SwitchyardError } from '../errors.js';
import type { Delivery, Headers, PeekedMessage } from '../message.js';
import type { QueueStats } from './queue-config.js';

/** A message ready for storage: validated, with id, type and timestamp filled in. */
export interface EnqueueEntry {
  id: string;
  type: string;
  body: EncodedBody;
  headers: Headers;
  key?: string;
  dedupId?: string;
  /** Absent: the queue's own delay applies. */
  delayMs?: number;
  timestamp: number;
}

export interface EnqueueResult {
  id: string;
  /**
   * True when the deduplication window already held this message, so it was not stored again:
   * on FIFO queues by dedup id; on NATS JetStream also on standard queues, by message id (its
   * streams drop a repeated `Nats-Msg-Id` for two minutes).
   */
  duplicate: boolean;
  /**
   * Where the engine numbers stored messages: a decimal string of 20 digits that grows with the
   * order in which messages were sent (SQS's SequenceNumber); a message moved to a dead-letter
   * queue or redriven keeps its number, and a duplicate carries the first message's. Absent where
   * the engine does not number messages.
   */
  sequence?: string;
}

export interface LeaseRequest {
  /** At most this many messages (≥ 1). */
  max: number;
  /** Long poll: wait up to this long for the first message. 0 returns at once. */
  waitMs: number;
  /** Lease length; the queue's visibility timeout when absent. */
  visibilityMs?: number;
}

export interface RedriveOptions {
  /** Target queue for every message; by default each goes back to the queue it was dead-lettered from. */
  to?: string;
  /** Moves at most this many messages per second of the engine's clock. Unlimited when absent. */
  maxPerSecond?: number;
  /** Stops after this many messages. All when absent. */
  max?: number;
}

export interface RedriveResult {
  moved: number;
  /** Messages left in place because their source queue no longer exists. */
  skipped: number;
}

export interface PeekRequest {
  max: number;
  /** Continue after this cursor (from the previous page's `next`). */
  cursor?: string;
}

export interface PeekPage {
  messages: PeekedMessage<EncodedBody>[];
  /** Pass back to read the next page; absent on the last page. */
  next?: string;
}

/**
 * The queue operations every engine implements, named for the state change each makes.
 * Arguments arrive validated by the `Broker` facade; the engine checks what only it can
 * (existence, receipts). Every method is safe to call concurrently.
 */
export interface QueueEngine {
  /**
   * Stores a batch atomically: when the promise resolves every entry is durable (to the engine's
   * stated durability); when it rejects none is. Wakes consumers waiting on the queue. On FIFO
   * queues an entry whose deduplication id was seen within the window is reported as a duplicate
   * and not stored again.
   */
  enqueue(queue: string, entries: readonly EnqueueEntry[]): Promise<EnqueueResult[]>;

  /**
   * Leases up to `max` ready messages for the visibility timeout and returns them with receipts.
   * Waits (long poll) up to `waitMs` for the first one, returning as soon as one is ready.
   * Each lease counts as a receive: a message already received `maxReceives` times is moved to
   * the dead-letter queue instead of being leased again. On FIFO queues the messages come in
   * order and at most one per group key is leased at a time. Expired messages are never leased.
   */
  lease(queue: string, request: LeaseRequest, signal?: AbortSignal): Promise<Delivery<EncodedBody>[]>;

  /**
   * Deletes a leased message (ack). Once resolved it is never delivered again. Removing a message
   * that is already gone succeeds. A lease that has ended throws ReceiptExpiredError; a receipt
   * that is malformed or belongs to another queue throws InvalidReceiptError.
   */
  remove(queue: string, receipt: string): Promise<void>;

  /**
   * Optional: deletes several leased messages of one queue (ack) in one operation. Each receipt
   * is settled on its own terms, as `remove` would settle it; the result holds, per receipt and in
   * order, `undefined` when it is done or the receipt error `remove` would have thrown for it
   * (see `isReceiptError`). One that fails does not undo the others. Rejects as a whole only for
   * an unknown queue or a failing engine, and then none is settled. Engines without it are called
   * once per receipt (`Queue.ackBatch`).
   */
  removeBatch?(queue: string, receipts: readonly string[]): Promise<(SwitchyardError | undefined)[]>;

  /**
   * Ends a lease early (nack): the message becomes deliverable after `delayMs`, with `error`
   * recorded as its last error. If it has used up `maxReceives` it is dead-lettered now.
   */
  release(queue: string, receipt: string, options: { delayMs: number; error?: string }): Promise<void>;

  /** Sets the lease to end `visibilityMs` from now (heartbeat for long work). */
  extendLease(queue: string, receipt: string, visibilityMs: number): Promise<void>;

  /**
   * Moves a leased message to the queue's dead-letter queue now (a poison message), with the
   * reason `poison` and `error` in its headers. Throws NoDeadLetterQueueError without a DLQ.
   */
  moveToDeadLetter(queue: string, receipt: string, options: { error?: string }): Promise<void>;

  /**
   * Moves messages out of a dead-letter queue back to their source queues (or to `to`), ready at
   * once, with the receive count reset and the dead-letter headers removed. Each message moves
   * atomically; a rate limit spreads the moves over time. Aborting stops between moves.
   */
  redrive(deadLetterQueue: string, options: RedriveOptions, signal?: AbortSignal): Promise<RedriveResult>;

  /** Deletes every message in the queue, leased or not. Returns how many. */
  purge(queue: string): Promise<number>;

  /** Reads messages in delivery order without leasing them. */
  peek(queue: string, request: PeekRequest): Promise<PeekPage>;

  stats(queue: string): Promise<QueueStats>;
}

export interface EngineContext {
  clock: Clock;
}
