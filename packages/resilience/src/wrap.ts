import { PolicyBase, hasRunIn, runIn, type AltReturnOf, type ContextualPolicy, type ExecuteContext, type Policy, type Task } from './policy.js';

/**
 * Composes policies outer → inner: `wrap(retry, breaker, timeout)` retries calls that go through
 * the breaker, each attempt bounded by the timeout. One signal flows down; each layer may abort
 * it for the layers below. The attempt number comes from the nearest retry above the task.
 * Policies from elsewhere (without the internal protocol) keep the attempt number of the layer
 * above them.
 */
export function wrap<P extends readonly Policy<unknown>[]>(...policies: P): Policy<AltReturnOf<P[number]>> {
  return new WrappedPolicy(policies.map(contextual)) as Policy<AltReturnOf<P[number]>>;
}

class WrappedPolicy extends PolicyBase<unknown> {
  constructor(private readonly layers: readonly ContextualPolicy<unknown>[]) {
    super();
  }

  [runIn]<T>(fn: Task<T>, ctx: ExecuteContext): Promise<unknown> {
    if (this.layers.length === 0) return (async () => fn(ctx))();
    return this.#step(0, fn, ctx);
  }

  #step<T>(i: number, fn: Task<T>, ctx: ExecuteContext): Promise<unknown> {
    const next = i + 1;
    // The innermost layer calls the task itself: every layer awaits inside a try, so a task
    // that throws synchronously still becomes a rejection.
    if (next === this.layers.length) return this.layers[i]![runIn](fn, ctx);
    return this.layers[i]![runIn]((inner) => this.#step(next, fn, inner), ctx);
  }
}

function contextual<R>(p: Policy<R>): ContextualPolicy<R> {
  if (hasRunIn(p)) return p;
  return {
    execute: (fn, signal) => p.execute(fn, signal),
    [runIn]: (fn, ctx) => p.execute((inner) => fn({ signal: inner.signal, attempt: ctx.attempt }), ctx.signal),
  };
}
