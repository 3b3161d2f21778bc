import { RateLimitedError } from '../errors.js';
import { PolicyBase, runIn, type ExecuteContext, type Task } from '../policy.js';
import type { RateLimiter } from './limiter.js';

export interface RateLimitPolicyOptions {
  limiter: RateLimiter;
  /** The key to charge; default one shared key, `"default"`. */
  key?: string | ((ctx: ExecuteContext) => string);
  /** Permits per call (default 1). */
  permits?: number;
}

/**
 * A limiter as a policy: calls over the limit reject with RateLimitedError, whose `retryAfterMs`
 * an enclosing retry policy honours.
 */
export class RateLimitPolicy extends PolicyBase {
  readonly #limiter: RateLimiter;
  readonly #key: (ctx: ExecuteContext) => string;
  readonly #permits: number;

  constructor(options: RateLimitPolicyOptions) {
    super();
    this.#limiter = options.limiter;
    const key = options.key ?? 'default';
    this.#key = typeof key === 'string' ? () => key : key;
    this.#permits = options.permits ?? 1;
  }

  async [runIn]<T>(fn: Task<T>, ctx: ExecuteContext): Promise<T> {
    const key = this.#key(ctx);
    const d = await this.#limiter.tryAcquire(key, this.#permits);
    if (!d.allowed) throw new RateLimitedError(key, d.retryAfterMs);
    return fn(ctx);
  }
}
