import { InvalidArgumentError } from '@switchyard/core';
import { checkCount, checkPositive, checkRatio } from '../validate.js';
import { isCount, isObject, rateReached, type Breaker, type Outcome } from './breaker.js';

export interface TimeWindowOptions {
  /** Length of the window in ms. */
  windowMs: number;
  /** Failure share that opens the circuit, in (0, 1]. */
  failureRate: number;
  /** Calls needed in the window before the rate is trusted (minimum throughput; default 10). */
  minimumCalls?: number;
  /**
   * The window is kept as this many buckets (default 10): memory stays constant at any call
   * rate, and the window's edge is accurate to one bucket (windowMs / buckets).
   */
  buckets?: number;
}

interface Bucket {
  start: number;
  calls: number;
  failures: number;
}

/** Failure rate over the calls of the last `windowMs`. */
export class TimeWindowBreaker implements Breaker {
  readonly windowMs: number;
  readonly failureRate: number;
  readonly minimumCalls: number;
  readonly bucketMs: number;
  /** Oldest first; never holds a bucket that has left the window at the last `record`. */
  #buckets: Bucket[] = [];

  constructor(options: TimeWindowOptions) {
    this.windowMs = checkPositive('breaker.windowMs', options.windowMs);
    this.failureRate = checkRatio('breaker.failureRate', options.failureRate);
    this.minimumCalls = checkCount('breaker.minimumCalls', options.minimumCalls ?? 10);
    this.bucketMs = this.windowMs / checkCount('breaker.buckets', options.buckets ?? 10);
  }

  record(outcome: Outcome, now: number): boolean {
    const start = Math.floor(now / this.bucketMs) * this.bucketMs;
    // A bucket is in the window while any part of it is younger than windowMs.
    while (this.#buckets.length > 0 && this.#buckets[0]!.start + this.bucketMs <= now - this.windowMs) this.#buckets.shift();
    let current = this.#buckets[this.#buckets.length - 1];
    if (current === undefined || current.start < start) {
      current = { start, calls: 0, failures: 0 };
      this.#buckets.push(current);
    }
    current.calls++;
    if (outcome === 'failure') current.failures++;
    if (outcome !== 'failure') return false;
    let calls = 0;
    let failures = 0;
    for (const b of this.#buckets) {
      calls += b.calls;
      failures += b.failures;
    }
    return rateReached(calls, failures, this.minimumCalls, this.failureRate);
  }

  reset(): void {
    this.#buckets = [];
  }

  toJSON(): { kind: 'time'; buckets: [start: number, calls: number, failures: number][] } {
    return { kind: 'time', buckets: this.#buckets.map((b) => [b.start, b.calls, b.failures]) };
  }

  restore(state: unknown): void {
    const ok =
      isObject(state) &&
      state.kind === 'time' &&
      Array.isArray(state.buckets) &&
      state.buckets.every((b) => Array.isArray(b) && b.length === 3 && typeof b[0] === 'number' && isCount(b[1]) && isCount(b[2]) && b[2] <= b[1]);
    if (!ok) throw new InvalidArgumentError('breaker.state', 'not a time-window breaker state');
    this.#buckets = (state.buckets as [number, number, number][]).map(([start, calls, failures]) => ({ start, calls, failures }));
  }
}
