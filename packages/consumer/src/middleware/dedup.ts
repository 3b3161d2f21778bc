import { checkInt, InvalidArgumentError, type Delivery } from '@switchyard/core';
import { RetryAfterError } from '../errors.js';
import type { Middleware } from '../handler.js';
import { MemoryDedupStore, type DedupStore } from './dedup-store.js';

export interface DedupOptions {
  /** Default: a `MemoryDedupStore` on the consumer's clock (per process, lost on restart). */
  store?: DedupStore;
  /** How long a handled key is remembered. Default 24 h; 1 ms to 14 days. */
  ttlMs?: number;
  /** The deduplication key. Default: the message's `dedupId`, else its id. */
  key?: (message: Delivery) => string;
  /**
   * A copy whose twin is being handled right now in this process is retried after this long
   * rather than run beside it. Default 1000 ms.
   */
  inProgressRetryMs?: number;
}

/**
 * Skips messages already handled: a delivery whose key is in the store is acked without running
 * the handler; a key is recorded only after the handler succeeded. This is best effort (the
 * record and the handler's effects are not one transaction); for exactly-once effects on a
 * database use the transactional inbox of `@switchyard/outbox`.
 */
export function dedup(options: DedupOptions = {}): Middleware {
  const ttlMs = checkInt('dedup.ttlMs', options.ttlMs ?? 24 * 3600_000, { min: 1, max: 14 * 24 * 3600_000 });
  const inProgressRetryMs = checkInt('dedup.inProgressRetryMs', options.inProgressRetryMs ?? 1000, { min: 0, max: 12 * 3600_000 });
  const keyOf = options.key ?? ((m: Delivery) => m.dedupId ?? m.id);
  if (typeof keyOf !== 'function') throw new InvalidArgumentError('dedup.key', 'must be a function');
  let store = options.store;
  const inProgress = new Set<string>();
  return (next) => async (message, ctx) => {
    store ??= new MemoryDedupStore({ clock: ctx.clock });
    const key = keyOf(message);
    if (inProgress.has(key)) throw new RetryAfterError(inProgressRetryMs);
    if (await store.has(key)) {
      ctx.logger.debug({ dedupKey: key }, 'duplicate message acked without handling');
      return;
    }
    inProgress.add(key);
    try {
      await next(message, ctx);
      const settled = ctx.settled();
      if (settled === undefined || settled === 'ack') await store.add(key, ttlMs);
    } finally {
      inProgress.delete(key);
    }
  };
}
