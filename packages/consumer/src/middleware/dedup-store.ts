import { checkInt, type Clock } from '@switchyard/core';

/**
 * Where `dedup()` remembers the keys of messages it has handled. Implementations may be
 * shared between consumers (Redis, a database); `MemoryDedupStore` is per process.
 */
export interface DedupStore {
  /** True when `key` was recorded and has not expired. */
  has(key: string): boolean | Promise<boolean>;
  /** Records `key` for `ttlMs`. */
  add(key: string, ttlMs: number): void | Promise<void>;
}

/**
 * Keys in memory, expiring on the injected clock, at most `maxKeys` (the oldest go first).
 * Survives nothing: after a restart every key is forgotten. For exactly-once effects on a
 * database, use the transactional inbox instead.
 */
export class MemoryDedupStore implements DedupStore {
  readonly #clock: Clock;
  readonly #maxKeys: number;
  /** Insertion order is expiry order when every key has the same ttl (the common case). */
  readonly #keys = new Map<string, number>();

  constructor(options: { clock: Clock; maxKeys?: number }) {
    this.#clock = options.clock;
    this.#maxKeys = checkInt('maxKeys', options.maxKeys ?? 100_000, { min: 1, max: 100_000_000 });
  }

  get size(): number {
    return this.#keys.size;
  }

  has(key: string): boolean {
    const expires = this.#keys.get(key);
    return expires !== undefined && expires > this.#clock.now();
  }

  add(key: string, ttlMs: number): void {
    const now = this.#clock.now();
    this.#keys.delete(key);
    this.#keys.set(key, now + ttlMs);
    for (const [k, expires] of this.#keys) {
      if (expires > now && this.#keys.size <= this.#maxKeys) break;
      this.#keys.delete(k);
    }
  }
}
