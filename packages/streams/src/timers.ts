/**
 * Event-time timers: (watermark, key) pairs in a binary heap, popped in (at, key) order. A key
 * may hold stale timers (its windows changed since); popping one only makes the key look at its
 * windows, so stale timers are harmless and nothing needs cancelling.
 */
export class Timers {
  readonly #heap: { at: number; key: string }[] = [];

  get size(): number {
    return this.#heap.length;
  }

  push(at: number, key: string): void {
    if (!Number.isFinite(at)) return;
    const h = this.#heap;
    h.push({ at, key });
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(h[i] as Timer, h[parent] as Timer)) break;
      [h[i], h[parent]] = [h[parent] as Timer, h[i] as Timer];
      i = parent;
    }
  }

  /** Removes and returns the earliest timer due at or before `watermark`. */
  popDue(watermark: number): Timer | undefined {
    const h = this.#heap;
    const top = h[0];
    if (!top || top.at > watermark) return undefined;
    const last = h.pop() as Timer;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l] as Timer, h[m] as Timer)) m = l;
        if (r < h.length && less(h[r] as Timer, h[m] as Timer)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as Timer, h[i] as Timer];
        i = m;
      }
    }
    return top;
  }
}

interface Timer {
  at: number;
  key: string;
}

function less(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.key < b.key);
}
