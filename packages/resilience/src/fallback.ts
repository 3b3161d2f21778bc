import { PolicyBase, runIn, type ExecuteContext, type Task } from './policy.js';

export interface FallbackOptions<R> {
  /** The value to use instead; receives the error the task failed with. */
  fallback: (err: unknown, ctx: ExecuteContext) => R | Promise<R>;
  /** Which errors to replace (default: all). Others are rethrown unchanged. */
  handles?: (err: unknown) => boolean;
}

/**
 * Replaces a failure with a fallback value. An abort by the caller is never replaced: the
 * caller has gone, and a fallback would only hide that.
 */
export class FallbackPolicy<R> extends PolicyBase<R> {
  readonly #fallback: FallbackOptions<R>['fallback'];
  readonly #handles: (err: unknown) => boolean;

  constructor(options: FallbackOptions<R>) {
    super();
    this.#fallback = options.fallback;
    this.#handles = options.handles ?? (() => true);
  }

  async [runIn]<T>(fn: Task<T>, ctx: ExecuteContext): Promise<T | R> {
    try {
      return await fn(ctx);
    } catch (err) {
      if (ctx.signal.aborted || !this.#handles(err)) throw err;
      return this.#fallback(err, ctx);
    }
  }
}
