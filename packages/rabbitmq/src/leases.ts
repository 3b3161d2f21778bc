import type { Channel, ConfirmChannel, GetMessage, Message as AmqpMessage } from 'amqplib';
import { InvalidReceiptError, ReceiptExpiredError, randomBytesFromPool } from '@switchyard/core';
import type { Decoded } from './codec.js';

/**
 * Leases. In AMQP a delivery is leased to the channel that received it until that channel acks,
 * nacks or closes (then the broker returns it to the queue, counting a delivery). There is no
 * visibility timeout, so the holder keeps one: a timer nacks the delivery (requeue) when the lease
 * ends, and `extend` moves the timer. If the holder dies its connection closes and the broker
 * returns the message at once. A receipt is therefore only good on the connection that received
 * it: a receipt this engine does not hold is refused (INVALID_RECEIPT), one whose lease ended,
 * was settled, or whose channel closed is RECEIPT_EXPIRED.
 */
export interface Lease {
  readonly queue: string;
  readonly ch: ConfirmChannel;
  /** Dropped once the lease is settled or ended: a settled lease is remembered for minutes, its message need not be. */
  delivery: AmqpMessage | GetMessage | undefined;
  readonly attempt: number;
  decoded: Decoded | undefined;
  deadline: number;
  state: 'active' | 'acked' | 'ended';
  timer?: NodeJS.Timeout | undefined;
  forgetAt: number;
}

const receiptPattern = /^rq1\.([A-Za-z0-9_-]{1,80})\.([0-9a-f]{20})$/;
/** A settled lease is remembered this long, to tell a stale receipt from a foreign one. */
const rememberMs = 10 * 60_000;

export class LeaseTable {
  readonly #leases = new Map<string, Lease>();
  /** Open leases per channel, so a closed channel ends them all. */
  readonly #byChannel = new Map<Channel, Set<Lease>>();

  issue(lease: Omit<Lease, 'state' | 'forgetAt' | 'timer'>): string {
    this.#prune();
    const token = randomBytesFromPool(10).toString('hex');
    const full: Lease = { ...lease, state: 'active', forgetAt: lease.deadline + rememberMs };
    this.#leases.set(token, full);
    let set = this.#byChannel.get(lease.ch);
    if (!set) this.#byChannel.set(lease.ch, (set = new Set()));
    set.add(full);
    this.#arm(full);
    return `rq1.${lease.queue}.${token}`;
  }

  /** The lease behind a receipt; INVALID_RECEIPT when it is malformed, another queue's, or not held here. */
  find(queue: string, receipt: string): Lease {
    const m = receiptPattern.exec(receipt);
    if (!m) throw new InvalidReceiptError('not a receipt issued by the RabbitMQ engine');
    if (m[1] !== queue) throw new InvalidReceiptError(`it belongs to queue ${JSON.stringify(m[1])}`);
    const lease = this.#leases.get(m[2] as string);
    if (!lease) throw new InvalidReceiptError('this connection holds no such lease (an AMQP delivery can only be settled on the channel that received it)');
    return lease;
  }

  requireActive(lease: Lease): void {
    if (lease.state !== 'active' || Date.now() >= lease.deadline) throw new ReceiptExpiredError(lease.queue);
  }

  /** Acks on the channel (the broker deletes the message). */
  ack(lease: Lease): void {
    const delivery = lease.delivery;
    this.#end(lease, 'acked');
    try {
      if (!delivery) throw new ReceiptExpiredError(lease.queue);
      lease.ch.ack(delivery);
    } catch {
      // The channel closed first: the broker has returned the message, so the lease had ended.
      lease.state = 'ended';
      throw new ReceiptExpiredError(lease.queue);
    }
  }

  /** Gives the message back to its queue now (the broker counts the delivery). */
  requeue(lease: Lease): void {
    const delivery = lease.delivery;
    this.#end(lease, 'ended');
    try {
      if (delivery) lease.ch.nack(delivery, false, true);
    } catch {
      // The channel closed first: the broker has already returned it.
    }
  }

  extend(lease: Lease, ms: number): void {
    lease.deadline = Date.now() + ms;
    lease.forgetAt = lease.deadline + rememberMs;
    this.#arm(lease);
  }

  /** Every active lease of a queue held here (purge acks them). */
  active(queue: string): Lease[] {
    const out: Lease[] = [];
    for (const set of this.#byChannel.values()) for (const l of set) if (l.queue === queue && l.state === 'active') out.push(l);
    return out;
  }

  /** Active leases on `ch`: each holds a place in the broker's prefetch window until settled. */
  heldOn(ch: Channel): number {
    return this.#byChannel.get(ch)?.size ?? 0;
  }

  /** The channel closed: the broker has returned its deliveries, so their leases have ended. */
  channelClosed(ch: Channel): void {
    for (const lease of this.#byChannel.get(ch) ?? []) this.#end(lease, 'ended');
    this.#byChannel.delete(ch);
  }

  clear(): void {
    for (const lease of this.#leases.values()) clearTimeout(lease.timer);
    this.#leases.clear();
    this.#byChannel.clear();
  }

  #end(lease: Lease, state: 'acked' | 'ended'): void {
    lease.state = state;
    lease.decoded = undefined;
    lease.delivery = undefined;
    clearTimeout(lease.timer);
    lease.forgetAt = Date.now() + rememberMs;
    this.#byChannel.get(lease.ch)?.delete(lease);
  }

  #arm(lease: Lease): void {
    clearTimeout(lease.timer);
    lease.timer = setTimeout(() => {
      if (lease.state === 'active') this.requeue(lease);
    }, Math.max(0, lease.deadline - Date.now()));
    lease.timer.unref();
  }

  #prune(): void {
    const now = Date.now();
    for (const [token, lease] of this.#leases) {
      if (lease.forgetAt > now) break;
      clearTimeout(lease.timer);
      this.#leases.delete(token);
    }
  }
}
