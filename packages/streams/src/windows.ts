import { checkInt, InvalidArgumentError } from '@switchyard/core';

/**
 * Window definitions, on event time (each record's own timestamp). A window is the half-open
 * interval `[start, end)` of timestamps.
 *
 * - tumbling: fixed, non-overlapping windows of `sizeMs`, aligned to the epoch.
 * - hopping: windows of `sizeMs` starting every `advanceMs` (they overlap when advance < size),
 *   so a record counts in `sizeMs / advanceMs` of them.
 * - sliding: for every record, the window of the `sizeMs` before it, ending with it
 *   (`[t - sizeMs, t]`, both ends included, as Kafka Streams' sliding windows): two records are in
 *   a common window when their timestamps differ by at most `sizeMs`. This answers "in any sizeMs".
 * - session: per key, records less than `gapMs` apart share a session; a session is
 *   `[first, last + gapMs)` and closes after `gapMs` without records. Late records can merge two.
 */
export type WindowSpec =
  | { readonly kind: 'tumbling'; readonly sizeMs: number }
  | { readonly kind: 'hopping'; readonly sizeMs: number; readonly advanceMs: number }
  | { readonly kind: 'sliding'; readonly sizeMs: number }
  | { readonly kind: 'session'; readonly gapMs: number };

export interface TimeWindow {
  start: number;
  end: number;
}

const span = { min: 1, max: 366 * 24 * 3600_000 };

export function tumbling(sizeMs: number): WindowSpec {
  return { kind: 'tumbling', sizeMs: checkInt('sizeMs', sizeMs, span) };
}

export function hopping(options: { sizeMs: number; advanceMs: number }): WindowSpec {
  const sizeMs = checkInt('sizeMs', options.sizeMs, span);
  const advanceMs = checkInt('advanceMs', options.advanceMs, { min: 1, max: sizeMs });
  if (sizeMs % advanceMs !== 0) throw new InvalidArgumentError('advanceMs', `must divide sizeMs (${sizeMs}) so every record is in the same number of windows`);
  return { kind: 'hopping', sizeMs, advanceMs };
}

export function sliding(sizeMs: number): WindowSpec {
  return { kind: 'sliding', sizeMs: checkInt('sizeMs', sizeMs, span) };
}

export function session(gapMs: number): WindowSpec {
  return { kind: 'session', gapMs: checkInt('gapMs', gapMs, span) };
}

/** Validates a spec built by hand (the constructors above already did). */
export function checkWindowSpec(spec: WindowSpec): WindowSpec {
  if (typeof spec !== 'object' || spec === null) throw new InvalidArgumentError('window', 'must be tumbling(), hopping(), sliding() or session()');
  switch (spec.kind) {
    case 'tumbling':
      return tumbling(spec.sizeMs);
    case 'hopping':
      return hopping(spec);
    case 'sliding':
      return sliding(spec.sizeMs);
    case 'session':
      return session(spec.gapMs);
    default:
      throw new InvalidArgumentError('window.kind', 'must be tumbling, hopping, sliding or session');
  }
}

/** The fixed windows (tumbling or hopping) that contain timestamp `t`, earliest first. */
export function fixedWindowsFor(spec: Extract<WindowSpec, { kind: 'tumbling' | 'hopping' }>, t: number): TimeWindow[] {
  const advance = spec.kind === 'tumbling' ? spec.sizeMs : spec.advanceMs;
  const last = Math.floor(t / advance) * advance;
  const out: TimeWindow[] = [];
  for (let start = last - spec.sizeMs + advance; start <= last; start += advance) out.push({ start, end: start + spec.sizeMs });
  return out;
}
