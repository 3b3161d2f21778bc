/**
 * The call path shared by the HTTP and gRPC clients:
 *
 *   retry (backoff, Retry-After, budget; a retry avoids the instance that just failed)
 *     └─ deadline per attempt (a TimeoutPolicy, or the attempt's own; see CallPolicies)
 *          └─ pick an instance → call it → tell the pool how it went
 *
 * Every attempt resolves the pool and picks again, so a retry sees ejections and registry
 * changes made since the previous attempt.
 */
import { systemClock, type Clock } from '@switchyard/core';
import { RetryPolicy, TimeoutPolicy, exponentialBackoff, neverAborted, wrap, type Backoff, type ExecuteContext, type Policy, type RetryEvent } from '@switchyard/resilience';
import { DeadlineList } from '@switchyard/resilience';
import { Emitter } from '../listeners.js';
import type { Endpoint } from '../balance/endpoint.js';
import type { CallOutcome } from '../balance/outlier.js';
import type { ServiceDirectory } from './directory.js';
import { checkCount, checkPositive } from '../validate.js';

export interface RetryOptions {
  /** Attempts in all, the first included (default 3). */
  maxAttempts?: number;
  /** Default: exponential from 50 ms to 2 s, full jitter. */
  backoff?: Backoff;
  /** No retry that would end later than this after the first attempt started (default none). */
  budgetMs?: number;
  /** A Retry-After longer than this means "give up" (default 30 000 ms). */
  maxRetryAfterMs?: number;
}

export interface CallSettings {
  /** Deadline per attempt (default 10 000 ms). */
  attemptTimeoutMs?: number;
  /** `false`: one attempt only. */
  retry?: RetryOptions | false;
  clock?: Clock;
}

/**
 * Builds the policy for a call, one per (idempotent, timeout) pair, made once. With
 * `timeoutInPolicy` each attempt runs under a TimeoutPolicy (it aborts the attempt's signal);
 * without, the policy is the retry alone and the attempt keeps its own deadline (see
 * `deadlines(ms)`; the HTTP client does this to avoid an AbortController per call).
 */
export class CallPolicies {
  readonly attemptTimeoutMs: number;
  readonly clock: Clock;
  /** Every retry any call makes: the error that caused it and the wait before the next attempt. */
  readonly retries = new Emitter<RetryEvent>();
  readonly #retry: RetryOptions | false;
  readonly #retryable: (err: unknown, idempotent: boolean) => boolean;
  readonly #timeoutInPolicy: boolean;
  readonly #cache = new Map<string, Policy | undefined>();
  readonly #deadlines = new Map<number, DeadlineList>();
  /** The policies and deadlines for the default timeout, read without a lookup. */
  readonly #idempotent: Policy | undefined;
  readonly #other: Policy | undefined;
  readonly #defaultDeadlines: DeadlineList;
  /**
   * The clock with its timers unref'd, for deadlines only: a deadline timer may stay armed for
   * up to a deadline after the last call, and must not hold a finished process open. (Retry
   * waits keep the real clock: a wait between attempts is all that keeps a pending call alive.)
   */
  readonly #deadlineClock: Clock;

  constructor(settings: CallSettings, retryable: (err: unknown, idempotent: boolean) => boolean, timeoutInPolicy: boolean) {
    this.attemptTimeoutMs = checkPositive('client.attemptTimeoutMs', settings.attemptTimeoutMs ?? 10_000);
    this.clock = settings.clock ?? systemClock;
    const clock = this.clock;
    this.#deadlineClock = {
      now: () => clock.now(),
      setTimer: (fn, ms) => {
        const timer = clock.setTimer(fn, ms);
        timer.unref?.();
        return timer;
      },
    };
    this.#retryable = retryable;
    this.#timeoutInPolicy = timeoutInPolicy;
    const r = settings.retry ?? {};
    if (r !== false) {
      checkCount('client.retry.maxAttempts', r.maxAttempts ?? 3);
      if (r.budgetMs !== undefined) checkPositive('client.retry.budgetMs', r.budgetMs);
      checkPositive('client.retry.maxRetryAfterMs', r.maxRetryAfterMs ?? 30_000, true);
    }
    this.#retry = r;
    this.#idempotent = this.get(true, this.attemptTimeoutMs);
    this.#other = this.get(false, this.attemptTimeoutMs);
    this.#defaultDeadlines = this.deadlines(this.attemptTimeoutMs);
  }

  /**
   * Whether a call may make its first attempt before entering the policy (see callBalanced):
   * true when the policy is a retry alone, without a time budget.
   */
  get firstAttemptOutside(): boolean {
    return !this.#timeoutInPolicy && this.#retry !== false && this.#retry.budgetMs === undefined;
  }

  /** The policy for a call (undefined: run the attempt once, as it is). */
  get(idempotent: boolean, timeoutMs?: number): Policy | undefined {
    if (timeoutMs === undefined) return idempotent ? this.#idempotent : this.#other;
    const k = `${idempotent ? 'i' : 'n'}${timeoutMs}`;
    if (this.#cache.has(k)) return this.#cache.get(k);
    const timeout = this.#timeoutInPolicy ? new TimeoutPolicy({ ms: checkPositive('request.timeoutMs', timeoutMs), clock: this.#deadlineClock }) : undefined;
    const r = this.#retry;
    let retry: RetryPolicy | undefined;
    if (r !== false) {
      retry = new RetryPolicy({
        maxAttempts: r.maxAttempts ?? 3,
        backoff: r.backoff ?? exponentialBackoff({ initialMs: 50, maxMs: 2000 }),
        budgetMs: r.budgetMs,
        maxRetryAfterMs: r.maxRetryAfterMs ?? 30_000,
        shouldRetry: (err) => this.#retryable(err, idempotent),
        clock: this.clock,
      });
      retry.onRetry((e) => this.retries.emit(e));
    }
    const p = retry && timeout ? wrap(retry, timeout) : (retry ?? timeout);
    // A few distinct timeouts are expected; a caller inventing one per call would leak here.
    if (this.#cache.size < 64) this.#cache.set(k, p);
    return p;
  }

  /** Deadlines of `ms` for attempts that keep their own (one list per length, made once). */
  deadlines(ms?: number): DeadlineList {
    if (ms === undefined) return this.#defaultDeadlines;
    let d = this.#deadlines.get(ms);
    if (!d) {
      // DeadlineList unrefs its own timer: the raw clock spares a wrapper call per deadline.
      d = new DeadlineList(this.clock, checkPositive('request.timeoutMs', ms));
      if (this.#deadlines.size < 64) this.#deadlines.set(ms, d);
    }
    return d;
  }
}

export interface Attempt<T> {
  /** Makes the call on one instance; must stop when `signal` aborts. */
  run(endpoint: Endpoint, signal: AbortSignal): Promise<T>;
  /** How a value reflects on the instance (a 5xx answer is a failure). */
  outcomeOf(value: T): CallOutcome;
  /** How an error reflects on the instance. */
  outcomeOfError(err: unknown): CallOutcome;
}

/**
 * Runs `attempt` under `policy`, each attempt on an instance picked from the service's pool.
 *
 * With `firstAttemptOutside`, the first attempt runs before the policy is entered, and only a
 * failure hands over to it, as its attempt 1 (already failed): the retry then decides exactly
 * as it would have, and the common case, a first attempt that succeeds, skips the policy's
 * frames. Only valid for a retry alone with no time budget (the budget would start late).
 */
export function callBalanced<T>(
  directory: ServiceDirectory,
  service: string,
  policy: Policy | undefined,
  attempt: Attempt<T>,
  key: string | undefined,
  signal: AbortSignal | undefined,
  precise: boolean,
  firstAttemptOutside = false,
): Promise<T> {
  if (policy && !firstAttemptOutside) {
    const call = new BalancedCall(directory, service, attempt, key, signal, precise, undefined);
    return policy.execute(call.run.bind(call), signal) as Promise<T>;
  }
  return new BalancedCall(directory, service, attempt, key, signal, precise, policy).run(signal ? { signal, attempt: 1 } : firstAttempt);
}

/** The context of a first attempt without a caller's signal; shared, as attempts only read it. */
const firstAttempt: ExecuteContext = Object.freeze({ signal: neverAborted, attempt: 1 });

/** One call's attempts (a class, not closures: see client/http-attempt.ts). */
class BalancedCall<T> {
  /** The instance the previous attempt used; a retry goes elsewhere when it can. */
  #avoid: string | undefined;
  /** Set while the first attempt runs outside the policy: its failure is handed over to it. */
  #handover: Policy | undefined;

  constructor(
    private readonly directory: ServiceDirectory,
    private readonly service: string,
    private readonly attempt: Attempt<T>,
    private readonly key: string | undefined,
    private readonly signal: AbortSignal | undefined,
    private readonly precise: boolean,
    handover: Policy | undefined,
  ) {
    this.#handover = handover;
  }

  async run(ctx: ExecuteContext): Promise<T> {
    const pool = this.directory.ready(this.service) ?? (await this.directory.pool(this.service));
    const endpoint = pool.pick(this.key, this.#avoid);
    this.#avoid = endpoint.id;
    const call = pool.begin(endpoint);
    const t0 = this.precise ? performance.now() : 0;
    try {
      const value = await this.attempt.run(endpoint, ctx.signal);
      pool.end(call, this.attempt.outcomeOf(value), this.precise ? performance.now() - t0 : undefined);
      return value;
    } catch (err) {
      // The caller giving up says nothing about the instance.
      const outcome = this.signal?.aborted ? 'neutral' : this.attempt.outcomeOfError(err);
      pool.end(call, outcome, this.precise ? performance.now() - t0 : undefined);
      const policy = this.#handover;
      if (policy === undefined) throw err;
      this.#handover = undefined;
      return policy.execute((next) => (next.attempt === 1 ? Promise.reject(err) : this.run(next)), this.signal) as Promise<T>;
    }
  }
}

/** True for the system clock, where latencies are better read from the monotonic timer. */
export function isSystemClock(clock: Clock): boolean {
  return clock === systemClock;
}
