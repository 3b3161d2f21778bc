import { TextBody, type Delivery, type EncodedBody, type EnqueueEntry, type Message, type Waiters } from '@switchyard/core';
import type { Tx } from './batcher.js';
import { newLeaseToken } from './lease-token.js';
import { formatReceipt } from './receipt.js';
import type { QueueRow } from './rows.js';
import { toDelivery } from './to-message.js';

/** A receive of this process that a send may fill directly. */
export interface Taker {
  readonly max: number;
  /** The receive's own visibility timeout, if it gave one. */
  readonly visibilityMs: number | undefined;
  /** One lease token for everything given to this receive, as a lease gives one per batch. */
  readonly lease: number;
  /** What the receive returns; sends append to it. */
  readonly deliveries: Delivery<EncodedBody>[];
  /** Ends the receive's wait, for one that waits between transactions. */
  readonly handle?: { wake?: () => void };
}

/**
 * Direct hand-over. A receive of this process that is short of messages offers itself here: a
 * lease that found fewer than it asked for, for the rest of its transaction, and a long poll
 * that found none, while it waits. A send that finds such a receive with room (and nothing ready
 * ahead of its message) stores the message already leased to it — receive count 1, the receive's
 * visibility timeout and lease token — and gives it the delivery, in the send's own transaction;
 * a waiting poll is woken when that transaction commits. The message costs one write less (no
 * lease `UPDATE` later) and reaches its consumer a commit sooner. Nobody else can tell: the row
 * is exactly what a lease would have left, so another process, a crash or an expired lease see
 * the same state either way.
 *
 * Only standard queues and messages due at once are handed over: FIFO groups and delays keep
 * their own rules, and a message never overtakes one that is already ready. Receives of other
 * processes are not offered messages: while this process's receives have room they get what it
 * sends (as its own waiters were always woken first), and what they have no room for is stored
 * ready for anyone.
 */
export class Takers {
  readonly #waiters: Waiters<number>;
  readonly #byQueue = new Map<number, Taker[]>();
  /** Messages handed over by committed sends (for seeing how often the lease is skipped). */
  handedOver = 0;

  constructor(waiters: Waiters<number>) {
    this.#waiters = waiters;
  }

  /**
   * Waits as `Waiters.wait` does, and meanwhile accepts messages handed over by sends; resolves
   * with them (empty when the wait ended for another reason).
   */
  async wait(queueId: number, request: { max: number; visibilityMs?: number }, since: number, until: number, signal: AbortSignal): Promise<Delivery<EncodedBody>[]> {
    const taker: Taker = { max: request.max, visibilityMs: request.visibilityMs, lease: newLeaseToken(), deliveries: [], handle: {} };
    this.#add(queueId, taker);
    try {
      await this.#waiters.wait(queueId, since, until, signal, taker.handle);
    } finally {
      this.#remove(queueId, taker);
    }
    return taker.deliveries;
  }

  /** Offers a lease that came up short to the sends later in its transaction. */
  offer(tx: Tx, queueId: number, taker: Taker): void {
    this.#add(queueId, taker);
    const remove = () => this.#remove(queueId, taker);
    tx.afterCommit(remove);
    tx.onRollback(remove);
  }

  /** True when a receive of this process is short of messages on the queue. */
  waiting(queueId: number): boolean {
    return this.#byQueue.has(queueId);
  }

  /** The receive that has waited longest among those with room left, if any. */
  find(queueId: number): Taker | undefined {
    const list = this.#byQueue.get(queueId);
    if (list) for (const t of list) if (t.deliveries.length < t.max) return t;
    return undefined;
  }

  /**
   * In the send's transaction: gives the receive its message (taken back if the send rolls
   * back) and wakes it once the transaction has committed.
   */
  handOver(tx: Tx, taker: Taker, delivery: Delivery<EncodedBody>): void {
    taker.deliveries.push(delivery);
    this.handedOver++;
    // Undo steps run newest first, so the last delivery is always this operation's.
    tx.onRollback(() => {
      taker.deliveries.pop();
      this.handedOver--;
    });
    const handle = taker.handle;
    if (handle) tx.afterCommit(() => handle.wake?.());
  }

  #add(queueId: number, taker: Taker): void {
    const list = this.#byQueue.get(queueId);
    if (list) list.push(taker);
    else this.#byQueue.set(queueId, [taker]);
  }

  #remove(queueId: number, taker: Taker): void {
    const list = this.#byQueue.get(queueId);
    if (!list) return;
    const i = list.indexOf(taker);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#byQueue.delete(queueId);
  }
}

/**
 * The delivery a lease would have produced from the row just stored for `e` (see `toMessage` and
 * `leaseNow`). Bytes are copied: the sender's buffer is not the consumer's (a string is immutable).
 */
export function handedDelivery(q: QueueRow, e: EnqueueEntry, dedupId: string | null, seq: number, lease: number, now: number): Delivery<EncodedBody> {
  const m: Message<EncodedBody> = {
    id: e.id,
    type: e.type,
    body: e.body.text !== undefined ? new TextBody(e.body.kind as TextBody['kind'], e.body.text) : { kind: e.body.kind, data: Buffer.from(e.body.data) },
    headers: { ...e.headers },
    timestamp: e.timestamp,
  };
  if (e.key !== undefined) m.key = e.key;
  if (dedupId !== null) m.dedupId = dedupId;
  return toDelivery(m, q, { seq, receipt: formatReceipt({ queueId: q.id, seq, lease }), attempt: 1, enqueuedAt: now, firstReceivedAt: now });
}
