/**
 * The errors the policies raise on purpose, and the two control-flow properties any error may
 * carry: `retryAfterMs` (a hint, in ms, from a server's Retry-After or a limiter) and
 * `retryable: false` ("do not retry this"). The retry policy reads both, duck-typed, so errors
 * from other libraries can opt in without extending anything here.
 */
import { ErrorCode, SwitchyardError } from '@switchyard/core';

/** The call ran past its deadline. */
export class TimeoutError extends SwitchyardError {
  constructor(readonly timeoutMs: number, options?: { cause?: unknown }) {
    super(ErrorCode.Timeout, `the operation timed out after ${timeoutMs} ms`, options);
  }
}

/**
 * The circuit is open (or half-open with every probe slot taken), so the call was not made.
 * `retryAfterMs` says when the circuit will next admit a probe (0 when unknown). Not retryable:
 * failing fast is the point of a breaker.
 */
export class BrokenCircuitError extends SwitchyardError {
  readonly retryable = false;
  constructor(readonly state: 'open' | 'half-open', readonly retryAfterMs: number) {
    super(ErrorCode.BrokenCircuit, `the circuit is ${state}; the call was not made`);
  }
}

/** Every execution slot and every queue slot of a bulkhead is taken. */
export class BulkheadRejectedError extends SwitchyardError {
  constructor(readonly maxConcurrent: number, readonly maxQueue: number) {
    super(ErrorCode.BulkheadRejected, `bulkhead is full (${maxConcurrent} running, ${maxQueue} queued)`);
  }
}

/** A rate limiter refused the call; `retryAfterMs` is when enough permits will be free. */
export class RateLimitedError extends SwitchyardError {
  constructor(readonly key: string, readonly retryAfterMs: number) {
    super(ErrorCode.RateLimited, `rate limit reached for ${JSON.stringify(key)}; retry after ${retryAfterMs} ms`);
  }
}

/** The error's `retryAfterMs` hint, when it is a finite number ≥ 0. */
export function retryAfterMsOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const v = (err as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** False only when the error says so with `retryable: false`. */
export function isRetryable(err: unknown): boolean {
  return !(typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === false);
}
