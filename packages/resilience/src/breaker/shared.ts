import { systemClock, type Clock, type TimerHandle } from '@switchyard/core';
import { Emitter } from '../events.js';
import { checkPositive } from '../validate.js';
import type { CircuitBreakerPolicy, StateChange } from './circuit-breaker.js';

/** The last open/close decision any process made for one named circuit. */
export interface SharedCircuitState {
  state: 'open' | 'closed';
  /** When the publisher's clock made the change (ms since the epoch). */
  at: number;
  /** Grows by one with each publish for this name; later versions supersede earlier ones. */
  version: number;
}

/** Where circuits share state across processes. Implementations must give versions atomically. */
export interface BreakerStateStore {
  /** Records a transition and returns its version. */
  publish(name: string, change: { state: 'open' | 'closed'; at: number }): Promise<number>;
  read(name: string): Promise<SharedCircuitState | undefined>;
}

/** An in-process store: circuits in one process sharing state, and tests. */
export class MemoryBreakerStateStore implements BreakerStateStore {
  readonly #states = new Map<string, SharedCircuitState>();

  publish(name: string, change: { state: 'open' | 'closed'; at: number }): Promise<number> {
    const version = (this.#states.get(name)?.version ?? 0) + 1;
    this.#states.set(name, { ...change, version });
    return Promise.resolve(version);
  }

  read(name: string): Promise<SharedCircuitState | undefined> {
    const s = this.#states.get(name);
    return Promise.resolve(s && { ...s });
  }
}

export interface SharedBreakerOptions {
  /** The circuit's name in the store; every process guarding the same dependency uses the same. */
  name: string;
  /** How often to read the shared state (default 1000 ms). */
  pollMs?: number;
  clock?: Clock;
}

/**
 * Keeps one local CircuitBreakerPolicy in step with a shared store. Opening and closing are
 * shared (the last published decision wins); counting outcomes and half-open probing stay local,
 * so calls never wait on the store, and with P processes up to P × halfOpenProbes probes may run
 * cluster-wide. A store that fails only makes the circuit local for a while: errors go to
 * `onError`, never to calls. Open periods are compared on each process's clock, so clocks
 * should be in sync (NTP) to well under `halfOpenAfterMs`.
 */
export class SharedBreakerSync implements AsyncDisposable {
  readonly name: string;
  readonly pollMs: number;
  readonly #policy: CircuitBreakerPolicy;
  readonly #store: BreakerStateStore;
  readonly #clock: Clock;
  readonly #onError = new Emitter<unknown>();
  readonly #unsubscribe: () => void;
  #seen = 0;
  #publishing = new Set<Promise<void>>();
  #polling: Promise<void> | undefined;
  #timer: TimerHandle | undefined;
  #closed = false;

  constructor(policy: CircuitBreakerPolicy, store: BreakerStateStore, options: SharedBreakerOptions) {
    this.#policy = policy;
    this.#store = store;
    this.name = options.name;
    this.pollMs = checkPositive('sharedBreaker.pollMs', options.pollMs ?? 1000);
    this.#clock = options.clock ?? systemClock;
    this.#unsubscribe = policy.onStateChange((e) => this.#onLocalChange(e));
    this.#schedule();
  }

  onError(listener: (err: unknown) => void): () => void {
    return this.#onError.on(listener);
  }

  /** Reads the shared state now and applies it if it is newer than anything seen here. */
  pollNow(): Promise<void> {
    this.#polling ??= this.#poll().finally(() => (this.#polling = undefined));
    return this.#polling;
  }

  /** Resolves when every local change made so far has been published (or has failed to). */
  async flush(): Promise<void> {
    while (this.#publishing.size > 0) await Promise.all(this.#publishing);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#timer?.cancel();
    this.#unsubscribe();
    await this.flush();
    await this.#polling;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = this.#clock.setTimer(() => {
      void this.pollNow().finally(() => this.#schedule());
    }, this.pollMs);
  }

  async #poll(): Promise<void> {
    let shared: SharedCircuitState | undefined;
    try {
      shared = await this.#store.read(this.name);
    } catch (err) {
      this.#onError.emit(err);
      return;
    }
    // While a local change is on its way, the store may still hold the state it replaces.
    if (!shared || shared.version <= this.#seen || this.#publishing.size > 0) return;
    this.#seen = shared.version;
    const local = this.#policy.state;
    if (shared.state === 'open' && local !== 'open') this.#policy.trip({ at: shared.at, reason: 'remote' });
    else if (shared.state === 'closed' && local !== 'closed') this.#policy.reset({ reason: 'remote' });
  }

  #onLocalChange(e: StateChange): void {
    if (e.reason === 'remote' || e.to === 'half-open') return;
    const p = this.#store.publish(this.name, { state: e.to, at: e.at }).then(
      (version) => void (this.#seen = Math.max(this.#seen, version)),
      (err: unknown) => this.#onError.emit(err),
    );
    const tracked = p.finally(() => this.#publishing.delete(tracked));
    this.#publishing.add(tracked);
  }
}
