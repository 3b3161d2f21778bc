/**
 * The reference semantics of one queue (DESIGN.md, SQS where it is silent) as plain data: what
 * each operation must do to each message, so that a random run against an engine can be checked
 * step by step (see model/run.ts). No I/O; time is the number the run hands in.
 *
 * A FIFO queue adds two rules: only the oldest stored message of a group may be delivered, and
 * only while no lease on it is running (so one leased message per group); and a send whose
 * deduplication id (explicit, or the body's) was seen within the window stores nothing and
 * answers with the first message's id.
 *
 * Where the contract leaves an engine a choice, the model says so instead of picking one:
 * - A message whose last allowed lease (`maxReceives`) ran out is *doomed*: it must never be
 *   delivered from its queue again and must end in the dead-letter queue, but an engine may move
 *   it when a lease passes it, when the lease ends, or later; until then `stats` may count it
 *   as ready, and an ack of its old receipt may succeed (gone) or be refused (expired).
 * - An ack of a receipt whose message is gone some other way (acked under another lease, purged,
 *   dead-lettered) may succeed (already gone is done) or be refused (that lease is over). The same
 *   receipt acked twice must succeed.
 */

/** What happened to a message, as far as its queue is concerned. */
export type Fate = 'stored' | 'acked' | 'purged' | 'dead';

export interface ModelMessage {
  readonly id: string;
  /** FIFO: the group key. */
  readonly group?: string | undefined;
  fate: Fate;
  /** Leases so far (a delivery's `attempt` is this after the lease). */
  receives: number;
  /** While stored: when it is deliverable, or when its lease ends. */
  visibleAt: number;
  /** True from a lease until a nack; a lease that ran out keeps it (the receipt is stale by time). */
  leased: boolean;
  /** The number of its current (or last) lease; 0 before the first. */
  lease: number;
  /** The lease whose ack removed it. */
  ackedLease?: number;
  /** Why it is in the dead-letter queue. */
  deadReason?: 'max-receives' | 'poison';
  /** Purged while doomed: in the dead-letter queue if the engine had moved it first, else gone. */
  maybePurged?: boolean;
}

/** What a delivery stands for: one lease of one message. */
export interface LeaseRef {
  readonly id: string;
  readonly lease: number;
}

/** The outcomes an operation on a receipt may have: one or both. */
export type ReceiptOutcome = { ok: true; expired: false } | { ok: false; expired: true } | { ok: true; expired: true };

export interface ExpectedStats {
  ready: { min: number; max: number };
  leased: number;
  delayed: number;
}

export interface FifoOptions {
  dedupWindowMs: number;
}

export class QueueModel {
  /** In send order (a Map keeps insertion order), which is each FIFO group's order. */
  readonly messages = new Map<string, ModelMessage>();
  /** FIFO: deduplication ids seen, with the message they stored and when they are forgotten. */
  readonly #dedup = new Map<string, { id: string; until: number }>();

  /**
   * @param visibilityMs the queue's visibility timeout
   * @param maxReceives leases before a message goes to the dead-letter queue; undefined without one
   * @param fifo for a FIFO queue, its deduplication window
   */
  constructor(
    readonly visibilityMs: number,
    readonly maxReceives: number | undefined,
    readonly fifo?: FifoOptions,
  ) {}

  /**
   * A send: what the engine must answer. `dedupId` (FIFO) is the explicit id or the body's; a
   * duplicate within the window stores nothing and answers with the first message's id.
   */
  send(id: string, now: number, delayMs = 0, fifo?: { group: string; dedupId: string }): { id: string; duplicate: boolean } {
    if (this.messages.has(id)) throw new Error(`the run sent ${id} twice`);
    if (fifo && this.fifo) {
      const seen = this.#dedup.get(fifo.dedupId);
      if (seen && seen.until > now) return { id: seen.id, duplicate: true };
      this.#dedup.set(fifo.dedupId, { id, until: now + this.fifo.dedupWindowMs });
    }
    this.messages.set(id, { id, group: fifo?.group, fate: 'stored', receives: 0, visibleAt: now + delayMs, leased: false, lease: 0 });
    return { id, duplicate: false };
  }

  /** True once a message has had every lease its queue allows. */
  usedUp(m: ModelMessage): boolean {
    return this.maxReceives !== undefined && m.receives >= this.maxReceives;
  }

  /** Stored, due, with a lease left, and (FIFO) the oldest of its group: a receive may return it. */
  deliverable(now: number): ModelMessage[] {
    return this.#heads().filter((m) => m.visibleAt <= now && !this.usedUp(m));
  }

  /** Stored messages a receive may reach: all of them, or (FIFO) the oldest of each group. */
  #heads(): ModelMessage[] {
    const stored = [...this.messages.values()].filter((m) => m.fate === 'stored');
    if (!this.fifo) return stored;
    const groups = new Set<string | undefined>();
    return stored.filter((m) => !groups.has(m.group) && groups.add(m.group));
  }

  /** Stored, due, and out of leases: bound for the dead-letter queue (see the header). */
  doomed(now: number): ModelMessage[] {
    return [...this.messages.values()].filter((m) => m.fate === 'stored' && m.visibleAt <= now && this.usedUp(m));
  }

  /** A receive returned these: each is leased until now + visibilityMs. */
  lease(ids: readonly string[], now: number, visibilityMs = this.visibilityMs): LeaseRef[] {
    return ids.map((id) => {
      const m = this.#get(id);
      m.receives++;
      m.lease++;
      m.leased = true;
      m.visibleAt = now + visibilityMs;
      return { id, lease: m.lease };
    });
  }

  /** The receipt's lease is the message's current one and has not ended. */
  live(ref: LeaseRef, now: number): boolean {
    const m = this.#get(ref.id);
    return m.fate === 'stored' && m.leased && m.lease === ref.lease && m.visibleAt > now;
  }

  /** What an ack of `ref` may answer (see the header), without changing anything. */
  ackOutcome(ref: LeaseRef, now: number): ReceiptOutcome {
    const m = this.#get(ref.id);
    if (this.live(ref, now)) return { ok: true, expired: false };
    if (m.fate === 'acked' && m.ackedLease === ref.lease) return { ok: true, expired: false };
    if (m.fate !== 'stored' || (m.visibleAt <= now && this.usedUp(m))) return { ok: true, expired: true };
    return { ok: false, expired: true };
  }

  /** An ack that succeeded: a live lease's message is gone. */
  acked(ref: LeaseRef, now: number): void {
    if (!this.live(ref, now)) return;
    const m = this.#get(ref.id);
    m.fate = 'acked';
    m.ackedLease = ref.lease;
  }

  /** A nack of a live lease: deliverable again after the delay, or dead-lettered if used up. */
  nack(ref: LeaseRef, now: number, delayMs: number): void {
    const m = this.#get(ref.id);
    if (this.usedUp(m)) {
      m.fate = 'dead';
      m.deadReason = 'max-receives';
      return;
    }
    m.leased = false;
    m.visibleAt = now + delayMs;
  }

  /** An extend of a live lease: it now ends `ms` from now. */
  extend(ref: LeaseRef, now: number, ms: number): void {
    this.#get(ref.id).visibleAt = now + ms;
  }

  /** Explicit dead-lettering of a live lease's message. */
  poison(ref: LeaseRef): void {
    const m = this.#get(ref.id);
    m.fate = 'dead';
    m.deadReason = 'poison';
  }

  /** Purge: every stored message is gone. Returns the least and most the engine may count. */
  purge(now: number): { min: number; max: number } {
    const doomed = this.doomed(now).length;
    let stored = 0;
    for (const m of this.messages.values()) {
      if (m.fate !== 'stored') continue;
      stored++;
      if (m.visibleAt <= now && this.usedUp(m)) {
        // It may have been dead-lettered before the purge; either way it is not in the queue now.
        m.fate = 'dead';
        m.deadReason = 'max-receives';
        m.maybePurged = true;
      } else {
        m.fate = 'purged';
      }
    }
    return { min: stored - doomed, max: stored };
  }

  /** What `stats` must say now: `ready` is a range, since doomed messages may still count. */
  stats(now: number): ExpectedStats {
    let ready = 0;
    let leased = 0;
    let delayed = 0;
    let doomed = 0;
    for (const m of this.messages.values()) {
      if (m.fate !== 'stored') continue;
      if (m.visibleAt <= now) {
        if (this.usedUp(m)) doomed++;
        else ready++;
      } else if (m.leased) leased++;
      else delayed++;
    }
    return { ready: { min: ready, max: ready + doomed }, leased, delayed };
  }

  /** When the last stored message becomes due (a delay or a lease ending); `now` if none is later. */
  lastDue(now: number): number {
    let last = now;
    for (const m of this.messages.values()) if (m.fate === 'stored' && m.visibleAt > last) last = m.visibleAt;
    return last;
  }

  /** Every time at which some message or deduplication id changes state: a clock step should not land on one. */
  deadlines(): Set<number> {
    const out = new Set<number>();
    for (const m of this.messages.values()) if (m.fate === 'stored') out.add(m.visibleAt);
    for (const seen of this.#dedup.values()) out.add(seen.until);
    return out;
  }

  #get(id: string): ModelMessage {
    const m = this.messages.get(id);
    if (!m) throw new Error(`the model has no message ${id}`);
    return m;
  }
}
