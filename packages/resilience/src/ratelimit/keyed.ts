/**
 * Per-key state for in-process limiters, with idle keys swept out so a limiter keyed by client
 * (say) does not grow without bound. A state is idle once `idleAt` has passed: from then on it
 * would decide exactly as a fresh state does, so dropping it changes nothing.
 */
export interface KeyedEntry {
  idleAt: number;
}

export class KeyedStates<S extends KeyedEntry> {
  readonly #states = new Map<string, S>();
  #nextSweep = -Infinity;

  /** `sweepEveryMs`: at most one full sweep per this much clock time. */
  constructor(private readonly sweepEveryMs: number) {}

  get(key: string, now: number): S | undefined {
    if (now >= this.#nextSweep) this.#sweep(now);
    const s = this.#states.get(key);
    return s !== undefined && s.idleAt > now ? s : undefined;
  }

  set(key: string, state: S): void {
    this.#states.set(key, state);
  }

  get size(): number {
    return this.#states.size;
  }

  #sweep(now: number): void {
    this.#nextSweep = now + this.sweepEveryMs;
    for (const [k, s] of this.#states) if (s.idleAt <= now) this.#states.delete(k);
  }
}
