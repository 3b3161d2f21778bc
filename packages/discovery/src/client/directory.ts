/**
 * Service name → pool, each pool kept current by a registry watch. A pool is made on first use
 * and lives until the directory closes; the first call to a service waits for its first
 * snapshot, later ones get the pool without waiting.
 */
import { ClosedError } from '@switchyard/core';
import { ServicePool, type PoolOptions } from '../balance/pool.js';
import type { Registry, Watch } from '../registry/registry.js';
import { checkName } from '../validate.js';

export class ServiceDirectory implements AsyncDisposable {
  readonly #registry: Registry;
  readonly #options: PoolOptions;
  readonly #onPool: ((pool: ServicePool) => void) | undefined;
  readonly #pools = new Map<string, ServicePool>();
  readonly #pending = new Map<string, Promise<ServicePool>>();
  readonly #watches: Watch[] = [];
  #closed = false;

  /** `onPool` sees each pool as it is made, before its first snapshot (to subscribe to it). */
  constructor(registry: Registry, options: PoolOptions = {}, onPool?: (pool: ServicePool) => void) {
    this.#registry = registry;
    this.#options = options;
    this.#onPool = onPool;
  }

  /** The pool if it is ready, else undefined (then call `pool`). */
  ready(service: string): ServicePool | undefined {
    return this.#pools.get(service);
  }

  pool(service: string): Promise<ServicePool> {
    const ready = this.#pools.get(service);
    if (ready) return Promise.resolve(ready);
    let p = this.#pending.get(service);
    if (!p) {
      p = this.#open(service).finally(() => this.#pending.delete(service));
      this.#pending.set(service, p);
    }
    return p;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled(this.#pending.values());
    await Promise.allSettled(this.#watches.map((w) => w.close()));
    for (const p of this.#pools.values()) p.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #open(service: string): Promise<ServicePool> {
    if (this.#closed) throw new ClosedError('service directory');
    const pool = new ServicePool(checkName('service', service), this.#options);
    this.#onPool?.(pool);
    const watch = await this.#registry.watch(service, (s) => pool.update(s));
    if (this.#closed) {
      await watch.close();
      pool.close();
      throw new ClosedError('service directory');
    }
    this.#watches.push(watch);
    this.#pools.set(service, pool);
    return pool;
  }
}
