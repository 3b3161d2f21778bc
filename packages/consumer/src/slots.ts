/**
 * Counts free slots (leases the consumer may still take). `acquire` waits for one; `abort`
 * ends every wait with false, for shutdown.
 */
export class Slots {
  #free: number;
  #waiting: ((ok: boolean) => void)[] = [];
  #aborted = false;

  constructor(size: number) {
    this.#free = size;
  }

  get free(): number {
    return this.#free;
  }

  /** Resolves true with one slot taken, or false once aborted. */
  acquire(): Promise<boolean> {
    if (this.#aborted) return Promise.resolve(false);
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Takes up to `n` slots that are free now; returns how many. */
  takeUpTo(n: number): number {
    const k = Math.max(0, Math.min(n, this.#free));
    this.#free -= k;
    return k;
  }

  release(n = 1): void {
    for (let i = 0; i < n; i++) {
      const next = this.#waiting.shift();
      if (next) next(true);
      else this.#free++;
    }
  }

  abort(): void {
    this.#aborted = true;
    for (const w of this.#waiting.splice(0)) w(false);
  }
}
