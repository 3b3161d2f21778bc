/**
 * A registry inside one process: for tests, for single-machine deployments, and as the model
 * the etcd one is held to. Leases expire on the injected clock.
 */
import { ClosedError, systemClock, type Clock, type TimerHandle } from '@switchyard/core';
import { InstanceNotFoundError, LeaseExpiredError } from '../errors.js';
import { instanceFromSpec, type Health, type Instance, type InstanceSpec, type ServiceSnapshot } from '../instance.js';
import { checkCount, checkName, checkPositive } from '../validate.js';
import { notify, type Lease, type RegisterOptions, type Registry, type SetHealthOptions, type Watch, type WatchListener } from './registry.js';

export interface MemoryRegistryOptions {
  clock?: Clock;
  /**
   * Indexes count up from here (default 0). A registry that takes over from another one (a
   * server restarting with an empty registry) starts past the old one's indexes, so that
   * watchers see them keep growing; the Switchyard server uses its start time in µs.
   */
  firstIndex?: number;
}

interface Entry {
  instance: Instance;
  lease: MemoryLease;
}

interface Service {
  entries: Map<string, Entry>;
  /** Index of the service's last change (0: never changed). */
  index: number;
  listeners: Set<WatchListener>;
  /** The cached snapshot, dropped on change. */
  snapshot: ServiceSnapshot | undefined;
}

export class MemoryRegistry implements Registry {
  readonly #clock: Clock;
  readonly #services = new Map<string, Service>();
  #index = 0;
  #leaseSeq = 0;
  #closed = false;

  constructor(options: MemoryRegistryOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#index = checkCount('memoryRegistry.firstIndex', options.firstIndex ?? 0, 0);
  }

  async register(spec: InstanceSpec, options: RegisterOptions): Promise<Lease> {
    this.#open();
    const ttlMs = checkPositive('register.ttlMs', options?.ttlMs);
    const instance = instanceFromSpec(spec, this.#clock.now(), this.#index + 1);
    const svc = this.#service(instance.service);
    const old = svc.entries.get(instance.id);
    old?.lease.end('replaced');
    const lease = new MemoryLease(`mem-${++this.#leaseSeq}`, ttlMs, this.#clock, () => this.#expire(instance.service, instance.id, lease));
    svc.entries.set(instance.id, { instance, lease });
    this.#changed(svc, instance.service);
    return lease;
  }

  async setHealth(service: string, id: string, health: Health, options: SetHealthOptions = {}): Promise<boolean> {
    this.#open();
    const svc = this.#services.get(checkName('service', service));
    const entry = svc?.entries.get(id);
    if (!svc || !entry) throw new InstanceNotFoundError(service, id);
    const cur = entry.instance;
    if (cur.health === 'draining' && health !== 'draining' && !options.force) return false;
    if (cur.health === health && cur.note === options.note) return false;
    entry.instance = { ...cur, health, note: options.note, modifyIndex: this.#index + 1 };
    this.#changed(svc, service);
    return true;
  }

  async get(service: string): Promise<ServiceSnapshot> {
    this.#open();
    return this.#snapshot(checkName('service', service));
  }

  /** The services that have at least one instance now, sorted by name. */
  async services(): Promise<string[]> {
    this.#open();
    const names: string[] = [];
    for (const [name, svc] of this.#services) if (svc.entries.size > 0) names.push(name);
    return names.sort();
  }

  async watch(service: string, listener: WatchListener): Promise<Watch> {
    this.#open();
    const svc = this.#service(checkName('service', service));
    svc.listeners.add(listener);
    notify(listener, this.#snapshot(service));
    const close = async () => void svc.listeners.delete(listener);
    return { close, [Symbol.asyncDispose]: close };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const svc of this.#services.values()) {
      for (const e of svc.entries.values()) e.lease.stopTimer();
      svc.listeners.clear();
    }
  }

  #expire(service: string, id: string, lease: MemoryLease): void {
    const svc = this.#services.get(service);
    const entry = svc?.entries.get(id);
    // A replaced entry has a new lease; the old one's end must not remove the newcomer.
    if (!svc || entry?.lease !== lease) return;
    svc.entries.delete(id);
    this.#changed(svc, service);
  }

  #changed(svc: Service, service: string): void {
    svc.index = ++this.#index;
    svc.snapshot = undefined;
    if (svc.listeners.size === 0) return;
    const snap = this.#snapshot(service);
    for (const l of [...svc.listeners]) notify(l, snap);
  }

  #snapshot(service: string): ServiceSnapshot {
    const svc = this.#services.get(service);
    if (!svc) return { service, index: 0, instances: [] };
    svc.snapshot ??= {
      service,
      index: svc.index,
      instances: [...svc.entries.values()].map((e) => e.instance).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    };
    return svc.snapshot;
  }

  #service(name: string): Service {
    let svc = this.#services.get(name);
    if (!svc) this.#services.set(name, (svc = { entries: new Map(), index: 0, listeners: new Set(), snapshot: undefined }));
    return svc;
  }

  #open(): void {
    if (this.#closed) throw new ClosedError('registry');
  }
}

class MemoryLease implements Lease {
  #timer: TimerHandle | undefined;
  #ended: 'expired' | 'replaced' | undefined;

  constructor(
    readonly id: string,
    readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly onExpire: () => void,
  ) {
    this.#arm();
  }

  async renew(): Promise<void> {
    if (this.#ended) throw new LeaseExpiredError(this.id, this.#ended);
    this.#timer?.cancel();
    this.#arm();
  }

  async revoke(): Promise<void> {
    if (this.#ended) return;
    this.end('expired');
    this.onExpire();
  }

  /** Ends the lease without touching the registry (the entry was replaced or removed). */
  end(reason: 'expired' | 'replaced'): void {
    this.#ended = reason;
    this.stopTimer();
  }

  stopTimer(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #arm(): void {
    this.#timer = this.clock.setTimer(() => {
      this.#ended = 'expired';
      this.#timer = undefined;
      this.onExpire();
    }, this.ttlMs);
    this.#timer.unref?.();
  }
}
