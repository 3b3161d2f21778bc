import { isSwitchyardError, ErrorCode, type Delivery, type Queue } from '@switchyard/core';
import { causeOf, isDoNotRetry, isRetryAfter } from './errors.js';
import type { Settlement } from './handler.js';

/** What the consumer does with a delivery once its pipeline has ended. */
export type Disposition =
  | { kind: 'ack' }
  | { kind: 'nack'; delayMs: number; error?: unknown }
  | { kind: 'dead-letter'; error: unknown };

/** Maps how the pipeline ended to a disposition (the rules are listed in handler.ts). */
export function dispositionOf(outcome: { ok: true } | { ok: false; error: unknown }, nackDelayMs: number): Disposition {
  if (outcome.ok) return { kind: 'ack' };
  const { error } = outcome;
  if (isRetryAfter(error)) return { kind: 'nack', delayMs: clampDelay(error.delayMs), error: causeOf(error) };
  if (isDoNotRetry(error)) return { kind: 'dead-letter', error: causeOf(error) };
  return { kind: 'nack', delayMs: nackDelayMs, error };
}

/** Nack delays are bounded by the engine (0 to 12 h); a control-flow error may ask for anything. */
export function clampDelay(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) return 0;
  return Math.min(Math.round(ms), 12 * 3600_000);
}

/**
 * Applies a disposition. A dead-letter request on a queue without a dead-letter queue falls back
 * to a nack after `fallbackDelayMs` (the message is kept, not dropped), reported through
 * `onFallback`.
 */
export async function applyDisposition(
  queue: Queue,
  message: Delivery<unknown>,
  d: Disposition,
  fallbackDelayMs: number,
  onFallback: (err: unknown) => void,
): Promise<Settlement> {
  switch (d.kind) {
    case 'ack':
      await queue.ack(message);
      return 'ack';
    case 'nack':
      await queue.nack(message, { delayMs: d.delayMs, error: d.error });
      return 'nack';
    case 'dead-letter':
      try {
        await queue.deadLetter(message, { error: d.error });
        return 'dead-letter';
      } catch (err) {
        if (!isSwitchyardError(err, ErrorCode.NoDeadLetterQueue)) throw err;
        onFallback(err);
        await queue.nack(message, { delayMs: fallbackDelayMs, error: d.error });
        return 'nack';
      }
  }
}
