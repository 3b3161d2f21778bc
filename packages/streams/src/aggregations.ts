/**
 * How a window folds its records into a value. The accumulator is checkpointed as JSON, so it
 * must survive `JSON.stringify`/`JSON.parse` (plain objects, arrays, numbers, strings).
 */
export interface Aggregation<V, A, R = A> {
  init(): A;
  add(acc: A, value: V): A;
  /** Combines two accumulators (the earlier window's first). Session windows need it to merge. */
  merge?(a: A, b: A): A;
  /** The emitted value; the accumulator itself when absent. */
  result?(acc: A): R;
}

export function count(): Aggregation<unknown, number> {
  return { init: () => 0, add: (n) => n + 1, merge: (a, b) => a + b };
}

export function sum<V>(of: (value: V) => number): Aggregation<V, number> {
  return { init: () => 0, add: (n, v) => n + of(v), merge: (a, b) => a + b };
}

export function average<V>(of: (value: V) => number): Aggregation<V, { sum: number; count: number }, number | null> {
  return {
    init: () => ({ sum: 0, count: 0 }),
    add: (a, v) => ({ sum: a.sum + of(v), count: a.count + 1 }),
    merge: (a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count }),
    result: (a) => (a.count === 0 ? null : a.sum / a.count),
  };
}

export function max<V>(of: (value: V) => number): Aggregation<V, number | null> {
  const pick = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
  return { init: () => null, add: (m, v) => pick(m, of(v)), merge: pick };
}

export function min<V>(of: (value: V) => number): Aggregation<V, number | null> {
  const pick = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
  return { init: () => null, add: (m, v) => pick(m, of(v)), merge: pick };
}
