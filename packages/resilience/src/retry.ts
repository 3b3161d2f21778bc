import { sleep, systemClock, type Clock } from '@switchyard/core';
import { exponentialBackoff, type Backoff } from './backoff.js';
import { isRetryable, retryAfterMsOf } from './errors.js';
import { Emitter } from './events.js';
import { PolicyBase, neverAborted, runIn, type ExecuteContext, type Task } from './policy.js';
import { checkCount, checkPositive } from './validate.js';

export interface RetryOptions {
  /** Attempts in all, the first included (default 3, ≥ 1). */
  maxAttempts?: number;
  /** Default: exponential, 100 ms doubling to 30 s, full jitter. */
  backoff?: Backoff;
  /**
   * Time budget in ms from the start of the first attempt. A retry whose delay would end past
   * the budget is not made. Default: no budget.
   */
  budgetMs?: number;
  /**
   * Which errors to retry (after the built-in rule that `retryable: false` errors are not).
   * Default: all others.
   */
  shouldRetry?: (err: unknown, attempt: number) => boolean;
  /**
   * A `retryAfterMs` hint on the error (a server's Retry-After, a limiter's answer) stretches the
   * delay to at least that long; a hint above this cap means "give up" (default 60 000 ms).
   */
  maxRetryAfterMs?: number;
  clock?: Clock;
}

export interface RetryEvent {
  /** The attempt that failed (1-based). */
  attempt: number;
  error: unknown;
  /** Wait before the next attempt. */
  delayMs: number;
}

export interface GiveUpEvent {
  attempt: number;
  error: unknown;
  reason: 'max-attempts' | 'not-retryable' | 'budget' | 'retry-after-too-long' | 'aborted';
}

/**
 * Runs a task again when it fails. Contract: never more than `maxAttempts` attempts; never an
 * attempt after the caller's signal aborts (the wait between attempts ends at once with the
 * signal's reason); when it gives up it rejects with the last attempt's error, unchanged, so
 * outer layers still see the real cause.
 */
export class RetryPolicy extends PolicyBase {
  readonly maxAttempts: number;
  readonly budgetMs: number | undefined;
  readonly #backoff: Backoff;
  readonly #shouldRetry: (err: unknown, attempt: number) => boolean;
  readonly #maxRetryAfterMs: number;
  readonly #clock: Clock;
  readonly #onRetry = new Emitter<RetryEvent>();
  readonly #onGiveUp = new Emitter<GiveUpEvent>();

  constructor(options: RetryOptions = {}) {
    super();
    this.maxAttempts = checkCount('retry.maxAttempts', options.maxAttempts ?? 3);
    this.budgetMs = options.budgetMs === undefined ? undefined : checkPositive('retry.budgetMs', options.budgetMs);
    this.#maxRetryAfterMs = checkPositive('retry.maxRetryAfterMs', options.maxRetryAfterMs ?? 60_000, true);
    this.#backoff = options.backoff ?? exponentialBackoff();
    this.#shouldRetry = options.shouldRetry ?? (() => true);
    this.#clock = options.clock ?? systemClock;
  }

  /** Fired before each wait; the listener sees the error that caused it. */
  onRetry(listener: (e: RetryEvent) => void): () => void {
    return this.#onRetry.on(listener);
  }

  onGiveUp(listener: (e: GiveUpEvent) => void): () => void {
    return this.#onGiveUp.on(listener);
  }

  async [runIn]<T>(fn: Task<T>, ctx: ExecuteContext): Promise<T> {
    // Only a time budget needs the start time (clock reads are not free).
    const started = this.budgetMs === undefined ? 0 : this.#clock.now();
    let previousMs = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn({ signal: ctx.signal, attempt });
      } catch (error) {
        const delayMs = this.#nextDelay(error, attempt, previousMs, started, ctx.signal);
        if (typeof delayMs === 'string') {
          this.#onGiveUp.emit({ attempt, error, reason: delayMs });
          throw error;
        }
        this.#onRetry.emit({ attempt, error, delayMs });
        // No listener on the shared never-aborting signal: many waiting calls would pile them up.
        await sleep(this.#clock, delayMs, ctx.signal === neverAborted ? undefined : ctx.signal);
        previousMs = delayMs;
      }
    }
  }

  /** The wait before the next attempt, or why there is none. */
  #nextDelay(error: unknown, attempt: number, previousMs: number, started: number, signal: AbortSignal): number | GiveUpEvent['reason'] {
    if (signal.aborted) return 'aborted';
    if (attempt >= this.maxAttempts) return 'max-attempts';
    if (!isRetryable(error) || !this.#shouldRetry(error, attempt)) return 'not-retryable';
    let delay = this.#backoff.delay(attempt, previousMs);
    const hint = retryAfterMsOf(error);
    if (hint !== undefined) {
      if (hint > this.#maxRetryAfterMs) return 'retry-after-too-long';
      delay = Math.max(delay, hint);
    }
    if (this.budgetMs !== undefined && this.#clock.now() + delay - started > this.budgetMs) return 'budget';
    return delay;
  }
}
