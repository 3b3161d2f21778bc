/**
 * The policy contract. A policy runs a task and decides what to do about how it went; a task
 * receives one `AbortSignal` that every layer passes down (and may abort), and the attempt
 * number given by the nearest enclosing retry (1 when there is none).
 */

export interface ExecuteContext {
  /** Aborted when the caller or an enclosing policy gives up; tasks should stop their I/O. */
  readonly signal: AbortSignal;
  /** 1-based attempt number from the nearest enclosing retry policy. */
  readonly attempt: number;
}

export type Task<T> = (ctx: ExecuteContext) => Promise<T> | T;

/**
 * `R` is what the policy may return instead of the task's result (a fallback's value); it is
 * `never` for policies that only pass results through.
 */
export interface Policy<R = never> {
  /** Runs `fn` under the policy. Rejects with the task's error or the policy's own. */
  execute<T>(fn: Task<T>, signal?: AbortSignal): Promise<T | R>;
  /** Type-only marker of `R` (never set), so `wrap` can infer it; generic methods hide it. */
  readonly [altReturn]?: () => R;
}

declare const altReturn: unique symbol;

/** What a policy may return instead of the task's result. */
export type AltReturnOf<P> = P extends { readonly [altReturn]?: () => infer R } ? R : never;

/**
 * Internal protocol: run inside an existing context, so `wrap` can thread the attempt number
 * through layers that do not set it. Policies without it are still usable in `wrap`.
 */
export const runIn: unique symbol = Symbol.for('switchyard.resilience.runIn');

export interface ContextualPolicy<R = never> extends Policy<R> {
  [runIn]<T>(fn: Task<T>, ctx: ExecuteContext): Promise<T | R>;
}

/**
 * A signal that never aborts, shared by calls made without one. Code must not leave listeners
 * on it (they would pile up forever): check `signal === neverAborted` before listening.
 */
export const neverAborted: AbortSignal = new AbortController().signal;

export abstract class PolicyBase<R = never> implements ContextualPolicy<R> {
  declare readonly [altReturn]?: () => R;
  execute<T>(fn: Task<T>, signal?: AbortSignal): Promise<T | R> {
    return this[runIn](fn, { signal: signal ?? neverAborted, attempt: 1 });
  }
  abstract [runIn]<T>(fn: Task<T>, ctx: ExecuteContext): Promise<T | R>;
}

export function hasRunIn<R>(p: Policy<R>): p is ContextualPolicy<R> {
  return typeof (p as Partial<ContextualPolicy<R>>)[runIn] === 'function';
}

/** Listens for abort; returns the function that stops listening. A no-op on `neverAborted`. */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal === neverAborted) return noop;
  signal.addEventListener('abort', fn, { once: true });
  return () => signal.removeEventListener('abort', fn);
}

function noop(): void {}
