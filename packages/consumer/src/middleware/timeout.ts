import { checkInt, type TimerHandle } from '@switchyard/core';
import { HandlerTimeoutError } from '../errors.js';
import type { Middleware } from '../handler.js';

/**
 * Bounds a handler's run time (on the consumer's clock). When `ms` pass, the handler's signal
 * aborts with a `HandlerTimeoutError` and the delivery fails with it at once (an ordinary,
 * retryable failure), even if the handler ignores its signal and keeps running. The signal
 * also aborts when the outer one does (shutdown, lost lease).
 */
export function timeout(ms: number): Middleware {
  checkInt('timeout.ms', ms, { min: 1, max: 12 * 3600_000 });
  return (next) => async (message, ctx) => {
    const controller = new AbortController();
    const forward = () => controller.abort(ctx.signal.reason);
    if (ctx.signal.aborted) forward();
    else ctx.signal.addEventListener('abort', forward, { once: true });
    let timer: TimerHandle | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = ctx.clock.setTimer(() => {
        const err = new HandlerTimeoutError(ms);
        controller.abort(err);
        reject(err);
      }, ms);
    });
    try {
      await Promise.race([Promise.resolve().then(() => next(message, { ...ctx, signal: controller.signal })), expired]);
    } finally {
      timer?.cancel();
      ctx.signal.removeEventListener('abort', forward);
    }
  };
}
