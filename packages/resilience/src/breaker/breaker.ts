/**
 * Breaker strategies decide *when* a closed circuit should open, from the outcomes of calls made
 * while it was closed. What counts as a failure is decided before they see it (by the circuit
 * breaker policy's `isFailure` and `slowCallMs`), and what to do once open is the policy's job.
 */

export type Outcome = 'success' | 'failure';

export interface Breaker {
  /**
   * Records one call's outcome at `now` (ms); returns true when the circuit should open. A
   * breaker that counts no time sets `timeless` and is given 0 instead (saving a clock read).
   */
  record(outcome: Outcome, now: number): boolean;
  /** True when `record` ignores `now`. */
  readonly timeless?: boolean;
  /** Forgets all history; called when the circuit closes again. */
  reset(): void;
  /** JSON-safe state, for `restore` here or in another process. */
  toJSON(): unknown;
  /** Replaces the state with one from `toJSON`; throws InvalidArgumentError on a foreign shape. */
  restore(state: unknown): void;
}

/** Opens when the failure rate reaches `failureRate` once at least `minimumCalls` are counted. */
export function rateReached(calls: number, failures: number, minimumCalls: number, failureRate: number): boolean {
  return calls >= minimumCalls && calls > 0 && failures / calls >= failureRate;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
