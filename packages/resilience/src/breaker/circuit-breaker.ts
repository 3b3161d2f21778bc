import { InvalidArgumentError, systemClock, type Clock } from '@switchyard/core';
import { BrokenCircuitError } from '../errors.js';
import { Emitter } from '../events.js';
import { PolicyBase, runIn, type ExecuteContext, type Task } from '../policy.js';
import { checkCount, checkPositive } from '../validate.js';
import { isObject, type Breaker } from './breaker.js';

export const CircuitState = {
  Closed: 'closed',
  Open: 'open',
  HalfOpen: 'half-open',
} as const;
export type CircuitState = (typeof CircuitState)[keyof typeof CircuitState];

export type StateChangeReason =
  | 'failures' // the breaker strategy saw enough failures
  | 'half-open' // the open period ended and a call arrived
  | 'probe-failure'
  | 'probes-succeeded'
  | 'manual' // trip() or reset()
  | 'remote' // applied from shared state (see SharedBreakerSync)
  | 'restore';

export interface StateChange {
  from: CircuitState;
  to: CircuitState;
  reason: StateChangeReason;
  /** Clock time of the change. */
  at: number;
}

/** Serialisable state: `toJSON()` gives it, the `state` option and `restore()` take it. */
export interface CircuitSnapshot {
  state: CircuitState;
  /** When the circuit opened (open state only). */
  openedAt?: number;
  /** The breaker strategy's own state. */
  breaker: unknown;
}

export interface CircuitBreakerOptions {
  /** When to open; see ConsecutiveBreaker, CountWindowBreaker, TimeWindowBreaker. */
  breaker: Breaker;
  /** How long the circuit stays open before admitting probes (ms). */
  halfOpenAfterMs: number;
  /** Probe calls admitted in one half-open period (default 1). */
  halfOpenProbes?: number;
  /**
   * Which errors mean the dependency is unhealthy (default: all). Errors it rejects are
   * "expected" (a 404, a validation error): they do not count toward opening, and in half-open
   * they show the dependency answering, so they count as a successful probe.
   */
  isFailure?: (err: unknown) => boolean;
  /** A call that succeeds but takes at least this long (ms) counts as a failure. */
  slowCallMs?: number;
  /** Start from a snapshot taken with `toJSON()`. */
  state?: CircuitSnapshot;
  clock?: Clock;
}

/**
 * Fails fast while a dependency is unhealthy.
 *
 * - closed: every call goes through; outcomes feed the breaker strategy, which may open it.
 * - open: calls reject with BrokenCircuitError until `halfOpenAfterMs` has passed.
 * - half-open: the first call after that moves here. At most `halfOpenProbes` calls are admitted
 *   in one half-open period (others reject); one failing probe reopens the circuit, and once
 *   every probe has come back without failure it closes.
 *
 * Outcomes are counted only in the state and period the call was admitted in: a slow call that
 * began before the circuit opened does not decide a later half-open period. A probe that never
 * settles holds the circuit half-open, so put a timeout inside the breaker.
 */
export class CircuitBreakerPolicy extends PolicyBase {
  readonly halfOpenAfterMs: number;
  readonly halfOpenProbes: number;
  readonly slowCallMs: number | undefined;
  readonly #breaker: Breaker;
  readonly #isFailure: (err: unknown) => boolean;
  readonly #clock: Clock;
  readonly #onStateChange = new Emitter<StateChange>();
  #state: CircuitState = 'closed';
  #openedAt = 0;
  /** Bumped on every transition; outcomes from an earlier period are ignored. */
  #period = 0;
  #probesAdmitted = 0;
  #probesPassed = 0;

  constructor(options: CircuitBreakerOptions) {
    super();
    this.#breaker = options.breaker;
    this.halfOpenAfterMs = checkPositive('circuitBreaker.halfOpenAfterMs', options.halfOpenAfterMs, true);
    this.halfOpenProbes = checkCount('circuitBreaker.halfOpenProbes', options.halfOpenProbes ?? 1);
    this.slowCallMs = options.slowCallMs === undefined ? undefined : checkPositive('circuitBreaker.slowCallMs', options.slowCallMs);
    this.#isFailure = options.isFailure ?? (() => true);
    this.#clock = options.clock ?? systemClock;
    if (options.state !== undefined) this.#load(options.state);
  }

  /** The state as of the last call or transition (open turns half-open lazily, on a call). */
  get state(): CircuitState {
    return this.#state;
  }

  onStateChange(listener: (e: StateChange) => void): () => void {
    return this.#onStateChange.on(listener);
  }

  toJSON(): CircuitSnapshot {
    const s: CircuitSnapshot = { state: this.#state, breaker: this.#breaker.toJSON() };
    if (this.#state === 'open') s.openedAt = this.#openedAt;
    return s;
  }

  /** Replaces the whole state with a snapshot (an emitted change has reason `restore`). */
  restore(snapshot: CircuitSnapshot): void {
    const from = this.#state;
    this.#load(snapshot);
    if (from !== this.#state) this.#onStateChange.emit({ from, to: this.#state, reason: 'restore', at: this.#clock.now() });
  }

  /** Opens the circuit now (or as if opened at `at`), whatever its state. */
  trip(options: { at?: number; reason?: 'manual' | 'remote' } = {}): void {
    this.#transition('open', options.reason ?? 'manual', options.at);
  }

  /** Closes the circuit and forgets the breaker's history. */
  reset(options: { reason?: 'manual' | 'remote' } = {}): void {
    this.#transition('closed', options.reason ?? 'manual');
  }

  async [runIn]<T>(fn: Task<T>, ctx: ExecuteContext): Promise<T> {
    const period = this.#admit();
    // Clock reads cost (a system call on some VMs): only when a setting needs them.
    const started = this.slowCallMs === undefined ? 0 : this.#clock.now();
    let value: T;
    try {
      value = await fn(ctx);
    } catch (err) {
      this.#settle(period, this.#isFailure(err) ? 'failure' : 'expected');
      throw err;
    }
    const slow = this.slowCallMs !== undefined && this.#clock.now() - started >= this.slowCallMs;
    this.#settle(period, slow ? 'failure' : 'success');
    return value;
  }

  /** Admits a call or throws BrokenCircuitError; returns the period the call belongs to. */
  #admit(): number {
    if (this.#state === 'open') {
      const wait = this.#openedAt + this.halfOpenAfterMs - this.#clock.now();
      if (wait > 0) throw new BrokenCircuitError('open', wait);
      this.#transition('half-open', 'half-open');
    }
    if (this.#state === 'half-open') {
      if (this.#probesAdmitted >= this.halfOpenProbes) throw new BrokenCircuitError('half-open', 0);
      this.#probesAdmitted++;
    }
    return this.#period;
  }

  #settle(period: number, outcome: 'success' | 'failure' | 'expected'): void {
    if (period !== this.#period) return;
    if (this.#state === 'closed') {
      if (outcome !== 'expected' && this.#breaker.record(outcome, this.#breaker.timeless ? 0 : this.#clock.now())) this.#transition('open', 'failures');
    } else if (this.#state === 'half-open') {
      if (outcome === 'failure') this.#transition('open', 'probe-failure');
      else if (++this.#probesPassed >= this.halfOpenProbes) this.#transition('closed', 'probes-succeeded');
    }
  }

  #transition(to: CircuitState, reason: StateChangeReason, openedAt?: number): void {
    const from = this.#state;
    const now = this.#clock.now();
    this.#state = to;
    this.#period++;
    this.#probesAdmitted = 0;
    this.#probesPassed = 0;
    if (to === 'open') this.#openedAt = openedAt ?? now;
    if (to === 'closed') this.#breaker.reset();
    if (from !== to) this.#onStateChange.emit({ from, to, reason, at: now });
  }

  #load(s: unknown): void {
    if (!isObject(s) || (s.state !== 'closed' && s.state !== 'open' && s.state !== 'half-open')) {
      throw new InvalidArgumentError('circuitBreaker.state', 'not a circuit breaker snapshot');
    }
    if (s.state === 'open' && (typeof s.openedAt !== 'number' || !Number.isFinite(s.openedAt))) {
      throw new InvalidArgumentError('circuitBreaker.state.openedAt', 'an open circuit needs the time it opened');
    }
    this.#breaker.restore(s.breaker);
    this.#state = s.state;
    this.#openedAt = s.state === 'open' ? (s.openedAt as number) : 0;
    this.#period++;
    this.#probesAdmitted = 0;
    this.#probesPassed = 0;
  }
}
