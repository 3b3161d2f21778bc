import { sleep, type Clock } from './clock.js';
import type { RedriveOptions, RedriveResult } from './engine/queue-engine.js';
import { AbortedError } from './errors.js';
import { anySignal } from './long-poll.js';

/** What one step of a redrive did, and where the next one starts. */
export interface RedriveStep<C> {
  moved: number;
  skipped: number;
  cursor: C;
  /** Nothing is left to move. */
  done: boolean;
}

export interface RedriveStepsOptions<C> {
  clock: Clock;
  options: RedriveOptions;
  signal?: AbortSignal | undefined;
  /** The engine's closing signal: a redrive waiting out its rate limit stops when it aborts. */
  closing: AbortSignal;
  /** Most messages one step may move. */
  chunk: number;
  /** Where the first step starts. */
  start: C;
  /** Moves up to `limit` messages from `cursor` on, in one atomic step of the engine. */
  step(cursor: C, limit: number): Promise<RedriveStep<C>>;
}

/**
 * The redrive loop the engines share: steps of at most `chunk` messages until the queue is
 * drained or `options.max` moved, and with `options.maxPerSecond` at most that many moves in each
 * second since the start (waiting on the clock, so tests drive it). Aborting `signal` rejects with
 * AbortedError between steps.
 */
export async function redriveInSteps<C>(o: RedriveStepsOptions<C>): Promise<RedriveResult> {
  const { options } = o;
  const start = o.clock.now();
  const result: RedriveResult = { moved: 0, skipped: 0 };
  let cursor = o.start;
  for (;;) {
    if (o.signal?.aborted) throw new AbortedError({ cause: o.signal.reason });
    let limit = o.chunk;
    if (options.max !== undefined) limit = Math.min(limit, options.max - result.moved);
    if (options.maxPerSecond !== undefined) {
      const second = Math.floor((o.clock.now() - start) / 1000);
      const allowance = (second + 1) * options.maxPerSecond - result.moved;
      if (allowance <= 0) {
        await sleep(o.clock, start + (second + 1) * 1000 - o.clock.now(), anySignal(o.signal, o.closing)).catch((cause: unknown) => {
          throw new AbortedError({ cause });
        });
        continue;
      }
      limit = Math.min(limit, allowance);
    }
    if (limit <= 0) return result;
    const step = await o.step(cursor, limit);
    result.moved += step.moved;
    result.skipped += step.skipped;
    cursor = step.cursor;
    if (step.done) return result;
  }
}
