import { fixedWindowsFor, type WindowSpec } from './windows.js';
import { resultOf, type Fired, type KindContext, type WindowKind } from './window-kind.js';

/**
 * A window with its running accumulator. `fired` counts its emissions so far; `pending` says it
 * changed since the last one (so it fires when the watermark reaches its end).
 */
interface Slot {
  start: number;
  end: number;
  acc: unknown;
  fired: number;
  pending: boolean;
}

type Slots = Slot[];

/** Emits a window that the watermark has already passed (a late update, or a late first record). */
function fireIfPassed(slot: Slot, ctx: KindContext, fired: Fired[]): void {
  if (!slot.pending || slot.end > ctx.watermark) return;
  fired.push({ start: slot.start, end: slot.end, value: resultOf(ctx.agg, slot.acc), revision: slot.fired });
  slot.fired++;
  slot.pending = false;
}

const byEnd = (a: Slot, b: Slot) => a.end - b.end || a.start - b.start;

/** Shared by fixed windows and sessions: windows are slots with accumulators. */
const slotLifecycle: Pick<WindowKind<Slots>, 'due' | 'nextWake'> = {
  due(slots, ctx) {
    const fired: Fired[] = [];
    for (const slot of slots.sort(byEnd)) fireIfPassed(slot, ctx, fired);
    const left = slots.filter((s) => s.end + ctx.latenessMs > ctx.watermark);
    return { state: left.length > 0 ? left : undefined, fired };
  },
  nextWake(slots, ctx) {
    let next = Number.POSITIVE_INFINITY;
    for (const s of slots) next = Math.min(next, s.pending ? s.end : s.end + ctx.latenessMs);
    return next;
  },
};

/** Tumbling and hopping windows: a record adds to each of its fixed windows that is still open. */
export function fixedWindows(spec: Extract<WindowSpec, { kind: 'tumbling' | 'hopping' }>): WindowKind<Slots> {
  return {
    ...slotLifecycle,
    add(state, t, value, ctx) {
      const open = fixedWindowsFor(spec, t).filter((w) => w.end + ctx.latenessMs > ctx.watermark);
      if (open.length === 0) return 'late';
      const slots = state ?? [];
      const fired: Fired[] = [];
      for (const w of open) {
        let slot = slots.find((s) => s.start === w.start && s.end === w.end);
        if (!slot) slots.push((slot = { start: w.start, end: w.end, acc: ctx.agg.init(), fired: 0, pending: false }));
        slot.acc = ctx.agg.add(slot.acc, value);
        slot.pending = true;
        fireIfPassed(slot, ctx, fired);
      }
      return { state: slots, fired };
    },
  };
}

/**
 * Session windows: a record opens `[t, t + gap)` and merges with every session of the key it
 * overlaps (so a late record can bridge two sessions). The merged session inherits the largest
 * revision count, so if either part was already emitted the merge is emitted as a revision.
 */
export function sessionWindows(spec: Extract<WindowSpec, { kind: 'session' }>): WindowKind<Slots> {
  return {
    ...slotLifecycle,
    add(state, t, value, ctx) {
      const merge = ctx.agg.merge;
      if (!merge) throw new Error('session windows need an aggregation with merge()');
      const slots = state ?? [];
      let merged: Slot = { start: t, end: t + spec.gapMs, acc: ctx.agg.add(ctx.agg.init(), value), fired: 0, pending: true };
      const overlapping = slots.filter((s) => s.start < merged.end && merged.start < s.end).sort(byEnd);
      for (const s of overlapping) {
        const [first, second] = s.start <= merged.start ? [s, merged] : [merged, s];
        merged = { start: Math.min(s.start, merged.start), end: Math.max(s.end, merged.end), acc: merge(first.acc, second.acc), fired: Math.max(s.fired, merged.fired), pending: true };
      }
      if (merged.end + ctx.latenessMs <= ctx.watermark) return 'late';
      const kept = slots.filter((s) => !overlapping.includes(s));
      kept.push(merged);
      const fired: Fired[] = [];
      fireIfPassed(merged, ctx, fired);
      return { state: kept, fired };
    },
  };
}
