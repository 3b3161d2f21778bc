/**
 * Passive health: outlier ejection from the outcomes of this client's own calls. It is a circuit
 * breaker per instance whose decision to open is the resilience package's `Breaker` strategy
 * (consecutive failures, a failure rate over a count or a time window), with two additions a
 * lone breaker cannot have, because they need the whole pool:
 *
 * - a cap: at most floor(maxEjectedShare × instances) are ejected at once; an instance whose
 *   breaker trips while the cap is reached stays in rotation (and trips again on its next
 *   failure, should a slot free up). This keeps a client-side fault (or a real outage of most
 *   instances) from ejecting everything and piling all load on the last one;
 * - readmission: after its ejection time an instance is on probation, taking one call at a time;
 *   a success readmits it fully, a failure ejects it again for longer (base × times ejected,
 *   up to the maximum; the count is forgotten after a maximum ejection time without trouble).
 *
 * Outcomes count only in the period they started in: a call that was in flight when its
 * instance was ejected cannot decide the probation that follows.
 */
import { InvalidArgumentError, systemClock, type Clock, type TimerHandle } from '@switchyard/core';
import { ConsecutiveBreaker, type Breaker } from '@switchyard/resilience';
import { Emitter } from '../listeners.js';
import { checkPositive, checkShare } from '../validate.js';

export interface OutlierOptions {
  /** A fresh strategy per instance (default: 5 consecutive failures). */
  breaker?: () => Breaker;
  /** First ejection time (default 30 000 ms); the n-th ejection in a row lasts n times this. */
  baseEjectionMs?: number;
  /** Longest ejection (default 300 000 ms, ≥ baseEjectionMs). */
  maxEjectionMs?: number;
  /** At most this share of instances ejected at once, rounded down (default 0.5). */
  maxEjectedShare?: number;
  clock?: Clock;
}

export type OutlierState = 'admitted' | 'ejected' | 'probation';

export interface OutlierEvent {
  id: string;
  from: OutlierState;
  to: OutlierState;
  reason: 'failures' | 'probe-failed' | 'ejection-ended' | 'probe-succeeded' | 'cap';
  at: number;
  /** For ejections: how long. */
  ejectionMs?: number;
}

/** Returned by `begin`; hand it back to `end`. */
export interface OutlierTicket {
  readonly id: string;
  readonly period: number;
}

export type CallOutcome = 'success' | 'failure' | 'neutral';

interface Tracked {
  state: OutlierState;
  breaker: Breaker;
  period: number;
  until: number;
  timer: TimerHandle | undefined;
  probing: boolean;
  timesEjected: number;
  /** When it last went back to `admitted` (the ejection count resets after a calm spell). */
  calmSince: number;
}

export class OutlierDetector {
  readonly baseEjectionMs: number;
  readonly maxEjectionMs: number;
  readonly maxEjectedShare: number;
  readonly #newBreaker: () => Breaker;
  readonly #clock: Clock;
  readonly #tracked = new Map<string, Tracked>();
  readonly #events = new Emitter<OutlierEvent>();
  #ejected = 0;
  #onProbation = 0;
  /** Trips refused because the cap was reached. */
  refused = 0;

  constructor(options: OutlierOptions = {}) {
    this.#newBreaker = options.breaker ?? (() => new ConsecutiveBreaker(5));
    if (typeof this.#newBreaker !== 'function') throw new InvalidArgumentError('outlier.breaker', 'must be a function returning a Breaker');
    this.baseEjectionMs = checkPositive('outlier.baseEjectionMs', options.baseEjectionMs ?? 30_000);
    this.maxEjectionMs = checkPositive('outlier.maxEjectionMs', options.maxEjectionMs ?? Math.max(300_000, this.baseEjectionMs));
    if (this.maxEjectionMs < this.baseEjectionMs) {
      throw new InvalidArgumentError('outlier.maxEjectionMs', `must be >= baseEjectionMs (${this.baseEjectionMs}), got ${this.maxEjectionMs}`);
    }
    this.maxEjectedShare = checkShare('outlier.maxEjectedShare', options.maxEjectedShare ?? 0.5);
    this.#clock = options.clock ?? systemClock;
  }

  onChange(listener: (e: OutlierEvent) => void): () => void {
    return this.#events.on(listener);
  }

  get size(): number {
    return this.#tracked.size;
  }

  /** Instances on probation now (whether they admit a call changes with every probe). */
  get onProbation(): number {
    return this.#onProbation;
  }

  /** Instances ejected now (probation does not count). */
  get ejectedCount(): number {
    return this.#ejected;
  }

  /** The most that may be ejected at once with the instances tracked now. */
  get maxEjected(): number {
    return Math.floor(this.maxEjectedShare * this.#tracked.size + 1e-9);
  }

  stateOf(id: string): OutlierState | undefined {
    return this.#tracked.get(id)?.state;
  }

  /** Starts tracking an instance (admitted). Harmless if tracked. */
  add(id: string): void {
    if (this.#tracked.has(id)) return;
    this.#tracked.set(id, {
      state: 'admitted', breaker: this.#newBreaker(), period: 0, until: 0, timer: undefined, probing: false, timesEjected: 0, calmSince: -Infinity,
    });
  }

  /** Forgets an instance; if the pool shrank below what the cap allows, readmits early. */
  remove(id: string): void {
    const t = this.#tracked.get(id);
    if (!t) return;
    t.timer?.cancel();
    if (t.state === 'ejected') this.#ejected--;
    if (t.state === 'probation') this.#onProbation--;
    this.#tracked.delete(id);
    while (this.#ejected > this.maxEjected) {
      const first = [...this.#tracked.entries()].filter(([, x]) => x.state === 'ejected').sort((a, b) => a[1].until - b[1].until)[0];
      if (!first) break;
      this.#probation(first[0], first[1], 'cap');
    }
  }

  /** Whether a call may go to `id` now: admitted, or on probation with no probe in flight. */
  admits(id: string): boolean {
    const t = this.#tracked.get(id);
    return t !== undefined && (t.state === 'admitted' || (t.state === 'probation' && !t.probing));
  }

  /** Ms until the next ejected instance comes back on probation (undefined: none ejected). */
  nextReadmissionMs(): number | undefined {
    let next: number | undefined;
    for (const t of this.#tracked.values()) if (t.state === 'ejected' && (next === undefined || t.until < next)) next = t.until;
    return next === undefined ? undefined : Math.max(0, next - this.#clock.now());
  }

  /** A call to `id` starts (call only after `admits(id)`). */
  begin(id: string): OutlierTicket {
    const t = this.#tracked.get(id);
    if (t?.state === 'probation') t.probing = true;
    return { id, period: t?.period ?? -1 };
  }

  /** A call ended. `neutral`: it says nothing about the instance (the caller gave up, say). */
  end(ticket: OutlierTicket, outcome: CallOutcome): void {
    const t = this.#tracked.get(ticket.id);
    if (!t || t.period !== ticket.period) return;
    const now = this.#clock.now();
    if (t.state === 'probation') {
      t.probing = false;
      if (outcome === 'success') {
        t.breaker.reset();
        this.#move(ticket.id, t, 'admitted', 'probe-succeeded', now);
      } else if (outcome === 'failure') {
        if (!this.#eject(ticket.id, t, 'probe-failed', now)) this.#move(ticket.id, t, 'admitted', 'cap', now);
      }
      return;
    }
    if (t.state !== 'admitted' || outcome === 'neutral') return;
    if (t.breaker.record(outcome, now)) this.#eject(ticket.id, t, 'failures', now);
  }

  /** Stops every timer. */
  close(): void {
    for (const t of this.#tracked.values()) t.timer?.cancel();
  }

  #eject(id: string, t: Tracked, reason: OutlierEvent['reason'], now: number): boolean {
    if (this.#ejected + 1 > this.maxEjected) {
      this.refused++;
      return false;
    }
    if (t.state === 'admitted' && now - t.calmSince >= this.maxEjectionMs) t.timesEjected = 0;
    t.timesEjected++;
    const ms = Math.min(this.maxEjectionMs, this.baseEjectionMs * t.timesEjected);
    t.until = now + ms;
    this.#ejected++;
    this.#move(id, t, 'ejected', reason, now, ms);
    t.timer = this.#clock.setTimer(() => this.#probation(id, t, 'ejection-ended'), ms);
    t.timer.unref?.();
    return true;
  }

  #probation(id: string, t: Tracked, reason: OutlierEvent['reason']): void {
    if (t.state !== 'ejected' || this.#tracked.get(id) !== t) return;
    t.timer?.cancel();
    t.timer = undefined;
    this.#ejected--;
    t.probing = false;
    this.#move(id, t, 'probation', reason, this.#clock.now());
  }

  #move(id: string, t: Tracked, to: OutlierState, reason: OutlierEvent['reason'], at: number, ejectionMs?: number): void {
    const from = t.state;
    if (from === 'probation') this.#onProbation--;
    if (to === 'probation') this.#onProbation++;
    t.state = to;
    if (to === 'admitted') t.calmSince = at;
    t.period++;
    this.#events.emit({ id, from, to, reason, at, ...(ejectionMs === undefined ? {} : { ejectionMs }) });
  }
}
