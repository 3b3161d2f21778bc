import type { Aggregation } from './aggregations.js';

/** What a window kind sees: the partition's watermark, the allowed lateness and the aggregation. */
export interface KindContext {
  watermark: number;
  latenessMs: number;
  agg: Aggregation<unknown, unknown, unknown>;
}

/** A window result: the first emission of a window is revision 0; late records add revisions. */
export interface Fired {
  start: number;
  end: number;
  value: unknown;
  revision: number;
}

/**
 * The windows of one key, as a JSON-serialisable state `S`. Every method is a pure function of
 * its arguments (it may reuse the state object it is given), so replaying the same records from
 * the same checkpoint gives the same results: that is what makes recovery exact.
 *
 * A window fires (revision 0) once the watermark reaches its end, and stays open for late
 * records until the watermark passes `end + latenessMs`; each late record that changes a fired
 * window fires it again with the next revision.
 */
export interface WindowKind<S> {
  /** Adds a record; `'late'` (and no change) when every window it belongs to has closed for good. */
  add(state: S | undefined, t: number, value: unknown, ctx: KindContext): { state: S; fired: Fired[] } | 'late';
  /** Fires windows the watermark has reached and forgets those closed for good (`undefined`: nothing left). */
  due(state: S, ctx: KindContext): { state: S | undefined; fired: Fired[] };
  /** The watermark at which `due` next has something to do (Infinity: nothing pending). */
  nextWake(state: S, ctx: KindContext): number;
}

export function resultOf(agg: Aggregation<unknown, unknown, unknown>, acc: unknown): unknown {
  return agg.result ? agg.result(acc) : acc;
}
