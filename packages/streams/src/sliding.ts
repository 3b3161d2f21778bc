import type { WindowSpec } from './windows.js';
import { resultOf, type Fired, type KindContext, type WindowKind } from './window-kind.js';

/**
 * Sliding windows keep the key's recent records rather than accumulators: the window ending at
 * a record at `t` is `[t - size, t]`, and its value is folded from the records in it when it
 * fires. Records are kept until every window they are in has closed for good.
 */
interface SlidingState {
  /** [timestamp, value], in timestamp order (ties in arrival order). */
  events: [number, unknown][];
  /** How many times the window ending at a timestamp has been emitted, by that timestamp. */
  emitted: Record<string, number>;
}

export function slidingWindows(spec: Extract<WindowSpec, { kind: 'sliding' }>): WindowKind<SlidingState> {
  const size = spec.sizeMs;

  function emit(st: SlidingState, at: number, ctx: KindContext, fired: Fired[]): void {
    let acc = ctx.agg.init();
    for (const [ts, v] of st.events) if (ts >= at - size && ts <= at) acc = ctx.agg.add(acc, v);
    const revision = st.emitted[at] ?? 0;
    st.emitted[at] = revision + 1;
    fired.push({ start: at - size, end: at + 1, value: resultOf(ctx.agg, acc), revision });
  }

  const distinct = (st: SlidingState) => [...new Set(st.events.map(([ts]) => ts))];

  return {
    add(state, t, value, ctx) {
      // Late when the record's own window has closed for good.
      if (t + 1 + ctx.latenessMs <= ctx.watermark) return 'late';
      const st = state ?? { events: [], emitted: {} };
      let i = st.events.length;
      while (i > 0 && (st.events[i - 1] as [number, unknown])[0] > t) i--;
      st.events.splice(i, 0, [t, value]);
      // Windows already emitted that now contain this record are emitted again, revised.
      const fired: Fired[] = [];
      for (const at of distinct(st)) if (at >= t && at <= t + size && at + 1 <= ctx.watermark) emit(st, at, ctx, fired);
      return { state: st, fired };
    },
    due(st, ctx) {
      const fired: Fired[] = [];
      for (const at of distinct(st)) if (at + 1 <= ctx.watermark && st.emitted[at] === undefined) emit(st, at, ctx, fired);
      const done = (ts: number) => ts + size + 1 + ctx.latenessMs <= ctx.watermark;
      st.events = st.events.filter(([ts]) => !done(ts));
      for (const at of Object.keys(st.emitted)) if (done(Number(at))) delete st.emitted[at];
      return { state: st.events.length > 0 ? st : undefined, fired };
    },
    nextWake(st, ctx) {
      let next = Number.POSITIVE_INFINITY;
      for (const [ts] of st.events) next = Math.min(next, st.emitted[ts] === undefined ? ts + 1 : ts + size + 1 + ctx.latenessMs);
      return next;
    },
  };
}
