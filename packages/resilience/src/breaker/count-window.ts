import { InvalidArgumentError } from '@switchyard/core';
import { checkCount, checkRatio } from '../validate.js';
import { isObject, rateReached, type Breaker, type Outcome } from './breaker.js';

export interface CountWindowOptions {
  /** How many of the most recent calls are counted (≥ 1). */
  size: number;
  /** Failure share that opens the circuit, in (0, 1]. */
  failureRate: number;
  /** Calls needed in the window before the rate is trusted (default `size`). */
  minimumCalls?: number;
}

/** Failure rate over the last `size` calls (a ring buffer). */
export class CountWindowBreaker implements Breaker {
  readonly timeless = true;
  readonly size: number;
  readonly failureRate: number;
  readonly minimumCalls: number;
  /** 1 = failure, 0 = success; `#next` is the slot the next call overwrites. */
  #ring: Uint8Array;
  #next = 0;
  #calls = 0;
  #failures = 0;

  constructor(options: CountWindowOptions) {
    this.size = checkCount('breaker.size', options.size);
    this.failureRate = checkRatio('breaker.failureRate', options.failureRate);
    this.minimumCalls = checkCount('breaker.minimumCalls', options.minimumCalls ?? this.size);
    if (this.minimumCalls > this.size) throw new InvalidArgumentError('breaker.minimumCalls', `must not exceed size (${this.size})`);
    this.#ring = new Uint8Array(this.size);
  }

  record(outcome: Outcome): boolean {
    const bit = outcome === 'failure' ? 1 : 0;
    if (this.#calls === this.size) this.#failures -= this.#ring[this.#next] ?? 0;
    else this.#calls++;
    this.#ring[this.#next] = bit;
    this.#failures += bit;
    this.#next = (this.#next + 1) % this.size;
    return bit === 1 && rateReached(this.#calls, this.#failures, this.minimumCalls, this.failureRate);
  }

  reset(): void {
    this.#ring.fill(0);
    this.#next = 0;
    this.#calls = 0;
    this.#failures = 0;
  }

  /** Outcomes oldest first, 1 for a failure. */
  toJSON(): { kind: 'count'; outcomes: number[] } {
    const outcomes: number[] = [];
    const start = this.#calls === this.size ? this.#next : 0;
    for (let i = 0; i < this.#calls; i++) outcomes.push(this.#ring[(start + i) % this.size] ?? 0);
    return { kind: 'count', outcomes };
  }

  restore(state: unknown): void {
    if (!isObject(state) || state.kind !== 'count' || !Array.isArray(state.outcomes) || !state.outcomes.every((o) => o === 0 || o === 1)) {
      throw new InvalidArgumentError('breaker.state', 'not a count-window breaker state');
    }
    this.reset();
    // Replaying keeps only the newest `size` outcomes if the window has shrunk since.
    for (const o of state.outcomes as number[]) this.record(o === 1 ? 'failure' : 'success');
  }
}
