/**
 * The instances of one service as one client sees them: kept up to date from registry
 * snapshots, filtered for eligibility, handed to a balancing strategy, and told how each call
 * went (for load, latency and outlier ejection).
 *
 * Eligible: health passing or warning, admitted by the outlier detector, accepted by `filter`;
 * among those, the ones in `zone` when there are any.
 */
import { InvalidArgumentError, systemClock, type Clock } from '@switchyard/core';
import { NoHealthyInstanceError } from '../errors.js';
import { takesTraffic, type Instance, type ServiceSnapshot } from '../instance.js';
import { Emitter } from '../listeners.js';
import { checkPositive } from '../validate.js';
import { roundRobin, type Balancer } from './balancer.js';
import { Endpoint } from './endpoint.js';
import { OutlierDetector, type CallOutcome, type OutlierOptions, type OutlierTicket } from './outlier.js';

export interface PoolOptions {
  /** Default round robin. */
  balancer?: Balancer;
  /** Outlier ejection settings; `false` turns it off. Its clock defaults to the pool's. */
  outlier?: OutlierOptions | false;
  /** Prefer instances in this zone while any of them is eligible. */
  zone?: string;
  /**
   * Only instances this accepts are called (a version pin, a canary split...). It must depend
   * on the instance alone: its answers are kept until the instances change.
   */
  filter?: (instance: Instance) => boolean;
  /** Time constant of the latency EWMA (default 10 000 ms). */
  ewmaDecayMs?: number;
  clock?: Clock;
}

/** A call in progress; give it back to `ServicePool.end`. */
export interface PoolCall {
  readonly endpoint: Endpoint;
  readonly startedAt: number;
  readonly ticket: OutlierTicket | undefined;
}

export type PoolEvent = { type: 'added' | 'removed' | 'updated'; endpoint: Endpoint };

export class ServicePool {
  readonly service: string;
  readonly outlier: OutlierDetector | undefined;
  readonly #balancer: Balancer;
  readonly #zone: string | undefined;
  readonly #filter: ((i: Instance) => boolean) | undefined;
  readonly #decayMs: number;
  readonly #clock: Clock;
  readonly #events = new Emitter<PoolEvent>();
  #byId = new Map<string, Endpoint>();
  /** Every endpoint, sorted by id; replaced (never mutated) on change. */
  #all: readonly Endpoint[] = [];
  #index = -1;
  /**
   * The eligible endpoints (before `avoid`), kept between picks while nothing they depend on
   * changes: dropped on every snapshot and outlier event. Not kept while an instance is on
   * probation, whose eligibility changes with each probe.
   */
  #eligible: Endpoint[] | undefined;

  constructor(service: string, options: PoolOptions = {}) {
    this.service = service;
    this.#balancer = options.balancer ?? roundRobin();
    if (typeof this.#balancer.pick !== 'function') throw new InvalidArgumentError('pool.balancer', 'must be a Balancer');
    this.#clock = options.clock ?? systemClock;
    this.outlier = options.outlier === false ? undefined : new OutlierDetector({ clock: this.#clock, ...options.outlier });
    this.#zone = options.zone;
    this.#filter = options.filter;
    this.#decayMs = checkPositive('pool.ewmaDecayMs', options.ewmaDecayMs ?? 10_000);
    this.outlier?.onChange(() => (this.#eligible = undefined));
  }

  /** The registry index of the last snapshot applied (-1 before the first). */
  get index(): number {
    return this.#index;
  }

  get endpoints(): readonly Endpoint[] {
    return this.#all;
  }

  on(listener: (e: PoolEvent) => void): () => void {
    return this.#events.on(listener);
  }

  /** Applies a snapshot; an older one than the last applied is ignored. */
  update(snapshot: ServiceSnapshot): void {
    if (snapshot.index < this.#index) return;
    this.#index = snapshot.index;
    const next = new Map<string, Endpoint>();
    const events: PoolEvent[] = [];
    for (const inst of snapshot.instances) {
      let ep = this.#byId.get(inst.id);
      const moved = ep && (ep.instance.address.host !== inst.address.host || ep.instance.address.port !== inst.address.port);
      if (!ep || moved) {
        if (ep) events.push({ type: 'removed', endpoint: ep });
        ep = new Endpoint(inst, this.#decayMs);
        events.push({ type: 'added', endpoint: ep });
      } else if (ep.instance !== inst) {
        ep.instance = inst;
        events.push({ type: 'updated', endpoint: ep });
      }
      next.set(inst.id, ep);
    }
    for (const [id, ep] of this.#byId) if (!next.has(id)) events.push({ type: 'removed', endpoint: ep });
    if (events.length === 0) return;
    this.#eligible = undefined;
    this.#byId = next;
    this.#all = [...next.values()];
    for (const e of events) {
      if (e.type === 'removed') this.outlier?.remove(e.endpoint.id);
      // A moved instance is removed and added under the same id: track the new one.
      if (e.type === 'added' || (e.type === 'removed' && next.get(e.endpoint.id))) this.outlier?.add(e.endpoint.id);
    }
    for (const e of events) this.#events.emit(e);
  }

  /**
   * Chooses an endpoint for a call; `key` is the sticky key for consistent hashing, `avoid` an
   * instance not to use unless it is the only one eligible (the one a retry just failed on).
   * Throws NoHealthyInstanceError when none is eligible.
   */
  pick(key?: string, avoid?: string): Endpoint {
    const all = this.#all;
    let candidates = this.#eligible ?? this.#computeEligible();
    if (candidates.length === 0) throw new NoHealthyInstanceError(this.service, all.length, this.outlier?.nextReadmissionMs());
    if (avoid !== undefined && candidates.length > 1) {
      const rest = candidates.filter((e) => e.id !== avoid);
      if (rest.length > 0) candidates = rest;
    }
    return this.#balancer.pick(candidates, key, all);
  }

  #computeEligible(): Endpoint[] {
    let candidates: Endpoint[] = [];
    let inZone = 0;
    for (const e of this.#all) {
      if (!takesTraffic(e.instance.health) || (this.outlier && !this.outlier.admits(e.id))) continue;
      if (this.#filter && !this.#filter(e.instance)) continue;
      candidates.push(e);
      if (this.#zone !== undefined && e.instance.zone === this.#zone) inZone++;
    }
    if (inZone > 0 && inZone < candidates.length) candidates = candidates.filter((e) => e.instance.zone === this.#zone);
    if (!this.outlier || this.outlier.onProbation === 0) this.#eligible = candidates;
    return candidates;
  }

  /** A call to `endpoint` starts now. */
  begin(endpoint: Endpoint): PoolCall {
    endpoint.outstanding++;
    return { endpoint, startedAt: this.#clock.now(), ticket: this.outlier?.begin(endpoint.id) };
  }

  /**
   * The call ended. `latencyMs` defaults to the clock's time since `begin`; a `neutral` outcome
   * (the caller gave up) neither counts against the instance nor feeds the latency average.
   */
  end(call: PoolCall, outcome: CallOutcome, latencyMs?: number): void {
    const ep = call.endpoint;
    ep.outstanding--;
    const now = this.#clock.now();
    if (outcome !== 'neutral') ep.observe(latencyMs ?? now - call.startedAt, now);
    if (call.ticket) this.outlier?.end(call.ticket, outcome);
  }

  close(): void {
    this.outlier?.close();
  }
}
