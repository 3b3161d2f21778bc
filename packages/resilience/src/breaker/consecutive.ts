import { InvalidArgumentError } from '@switchyard/core';
import { checkCount } from '../validate.js';
import { isCount, isObject, type Breaker, type Outcome } from './breaker.js';

/** Opens after `threshold` failures in a row; any success starts the count again. */
export class ConsecutiveBreaker implements Breaker {
  readonly timeless = true;
  readonly threshold: number;
  #failures = 0;

  constructor(threshold: number) {
    this.threshold = checkCount('breaker.threshold', threshold);
  }

  record(outcome: Outcome): boolean {
    if (outcome === 'success') {
      this.#failures = 0;
      return false;
    }
    return ++this.#failures >= this.threshold;
  }

  reset(): void {
    this.#failures = 0;
  }

  toJSON(): { kind: 'consecutive'; failures: number } {
    return { kind: 'consecutive', failures: this.#failures };
  }

  restore(state: unknown): void {
    if (!isObject(state) || state.kind !== 'consecutive' || !isCount(state.failures)) {
      throw new InvalidArgumentError('breaker.state', 'not a consecutive breaker state');
    }
    this.#failures = state.failures;
  }
}
