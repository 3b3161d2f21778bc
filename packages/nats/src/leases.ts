import { InvalidReceiptError, ReceiptExpiredError, randomBytesFromPool, type EncodedBody, type Message } from '@switchyard/core';

/**
 * Receipts and the leases behind them. JetStream accepts an ack, nak or working for a stream
 * sequence from any earlier delivery of it, so on its own it cannot refuse a stale receipt; each
 * engine therefore remembers the leases it handed out and refuses a receipt whose lease ended
 * (RECEIPT_EXPIRED). A receipt from another process (or from before a restart) is not in the
 * table: it is passed to the server as is, which acks the sequence whatever lease it is on.
 *
 * The lease length is the consumer's AckWait unless a receive or extend asks for another; then a
 * timer on the holder's side moves the server to match: `+WPI` (working) before AckWait runs out,
 * `-NAK` when the shorter lease ends. If the holder dies the server's AckWait ends the lease.
 */
export interface Lease {
  /** The random part of the receipt: the table's key. */
  readonly token: string;
  readonly queue: string;
  readonly streamSeq: number;
  readonly consumerSeq: number;
  /** JetStream's delivery count: the receive count the contract calls `attempt`. */
  readonly delivered: number;
  readonly reply: string;
  deadline: number;
  /** When the server's AckWait timer was last reset (delivery or working). */
  serverReset: number;
  state: 'active' | 'acked' | 'ended';
  /** The message, kept while the lease is active so a dead-letter move need not read it back. */
  message?: Message<EncodedBody> | undefined;
  timer?: NodeJS.Timeout | undefined;
  forgetAt: number;
}

export interface ParsedReceipt {
  queue: string;
  streamSeq: number;
  consumerSeq: number;
  delivered: number;
  token: string;
}

const receiptPattern = /^nj1\.([A-Za-z0-9_-]{1,80})\.(\d{1,16})\.(\d{1,16})\.(\d{1,9})\.([0-9a-f]{16})$/;
/**
 * A settled or ended lease is remembered this long, to tell a stale receipt from an unknown one,
 * but only the most recent `rememberMax` of them: at 10k messages/s ten minutes would be six
 * million entries. A receipt forgotten early is treated as one from another process (see above).
 */
const rememberMs = 10 * 60_000;
const rememberMax = 100_000;
/** Leases within this much of the server's own AckWait are left to the server. */
const toleranceMs = 50;

export function parseReceipt(queue: string, receipt: string): ParsedReceipt {
  const m = receiptPattern.exec(receipt);
  if (!m) throw new InvalidReceiptError('not a receipt issued by the NATS engine');
  if (m[1] !== queue) throw new InvalidReceiptError(`it belongs to queue ${JSON.stringify(m[1])}`);
  return { queue, streamSeq: Number(m[2]), consumerSeq: Number(m[3]), delivered: Number(m[4]), token: m[5] as string };
}

export type Verb = '+ACK' | '+WPI' | '-NAK' | '+TERM';

export class LeaseTable {
  /** Active leases (and ended ones the server still holds), in the order they were issued. */
  readonly #leases = new Map<string, Lease>();
  /** Settled leases, in the order they were settled (so oldest first, by `forgetAt` too). */
  readonly #settled = new Map<string, Lease>();
  /** Sends a verb on a lease's ack subject (fire and forget: timers have no caller to report to). */
  readonly #send: (reply: string, verb: Verb) => void;

  constructor(send: (reply: string, verb: Verb) => void) {
    this.#send = send;
  }

  issue(lease: Omit<Lease, 'token' | 'forgetAt' | 'state' | 'serverReset'>, ackWaitMs: number): { receipt: string; lease: Lease } {
    this.#prune();
    const token = randomBytesFromPool(8).toString('hex');
    const now = Date.now();
    const full: Lease = {
      token,
      queue: lease.queue,
      streamSeq: lease.streamSeq,
      consumerSeq: lease.consumerSeq,
      delivered: lease.delivered,
      reply: lease.reply,
      deadline: lease.deadline,
      serverReset: now,
      state: 'active',
      message: lease.message,
      timer: undefined,
      forgetAt: lease.deadline + rememberMs,
    };
    this.#leases.set(token, full);
    this.#keep(full, ackWaitMs);
    return { receipt: `nj1.${lease.queue}.${lease.streamSeq}.${lease.consumerSeq}.${lease.delivered}.${token}`, lease: full };
  }

  /** The local lease behind a receipt, or undefined when this engine did not issue it (or forgot it). */
  find(parsed: ParsedReceipt): Lease | undefined {
    return this.#leases.get(parsed.token) ?? this.#settled.get(parsed.token);
  }

  /** Throws RECEIPT_EXPIRED unless the lease is active and inside its deadline. */
  requireActive(lease: Lease): void {
    if (lease.state !== 'active' || Date.now() >= lease.deadline) throw new ReceiptExpiredError(lease.queue);
  }

  settle(lease: Lease, state: 'acked' | 'ended'): void {
    lease.state = state;
    lease.message = undefined;
    clearTimeout(lease.timer);
    lease.timer = undefined;
    lease.forgetAt = Date.now() + rememberMs;
    this.#leases.delete(lease.token);
    this.#settled.delete(lease.token);
    this.#settled.set(lease.token, lease);
    if (this.#settled.size > rememberMax) this.#settled.delete(this.#settled.keys().next().value as string);
  }

  /** The active leases on `queue`'s messages. */
  activeOn(queue: string): Lease[] {
    return [...this.#leases.values()].filter((lease) => lease.queue === queue && lease.state === 'active');
  }

  /** Leases held in memory, active and remembered (for tests and metrics). */
  get size(): number {
    return this.#leases.size + this.#settled.size;
  }

  /** Moves the deadline to now + ms, resetting the server's AckWait (working) first. */
  extend(lease: Lease, ms: number, ackWaitMs: number): void {
    const now = Date.now();
    lease.deadline = now + ms;
    lease.forgetAt = lease.deadline + rememberMs;
    this.#send(lease.reply, '+WPI');
    lease.serverReset = now;
    this.#keep(lease, ackWaitMs);
  }

  /** Ends every lease (close): their timers stop and the server's AckWait takes over. */
  clear(): void {
    for (const lease of this.#leases.values()) clearTimeout(lease.timer);
    this.#leases.clear();
    this.#settled.clear();
  }

  #keep(lease: Lease, ackWaitMs: number): void {
    clearTimeout(lease.timer);
    lease.timer = undefined;
    if (lease.state !== 'active') return;
    const now = Date.now();
    const serverEnd = lease.serverReset + ackWaitMs;
    if (Math.abs(lease.deadline - serverEnd) <= toleranceMs) return;
    if (lease.deadline < serverEnd) {
      // A shorter lease: give the message back when it ends.
      lease.timer = setTimeout(() => {
        if (lease.state !== 'active') return;
        this.settle(lease, 'ended');
        this.#send(lease.reply, '-NAK');
      }, lease.deadline - now);
    } else {
      // A longer lease: tell the server we are still working before its AckWait runs out.
      lease.timer = setTimeout(() => {
        if (lease.state !== 'active') return;
        this.#send(lease.reply, '+WPI');
        lease.serverReset = Date.now();
        this.#keep(lease, ackWaitMs);
      }, Math.max(0, Math.min(lease.deadline, lease.serverReset + ackWaitMs / 2) - now));
    }
    lease.timer.unref();
  }

  #prune(): void {
    const now = Date.now();
    for (const [token, lease] of this.#leases) {
      if (lease.forgetAt > now) break;
      clearTimeout(lease.timer);
      this.#leases.delete(token);
    }
    for (const [token, lease] of this.#settled) {
      if (lease.forgetAt > now) break;
      this.#settled.delete(token);
    }
  }
}
