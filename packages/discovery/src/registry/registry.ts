/**
 * The registry contract. Implementations: MemoryRegistry (one process), EtcdRegistry and
 * RemoteRegistry (several machines, through etcd or a Switchyard server). All pass the same
 * contract tests (testing/registry-contract.ts).
 *
 * - An instance is listed while its lease lives; a lease not renewed within its TTL expires and
 *   the instance disappears (this is liveness).
 * - Health is stored with the instance and changed only by `setHealth`; it never affects
 *   whether an instance is listed.
 * - Every change bumps a monotonic index; watchers see snapshots in index order.
 */
import type { Health, InstanceSpec, ServiceSnapshot } from '../instance.js';

export interface Lease {
  readonly id: string;
  /** The TTL granted, which may exceed the one asked for (etcd counts whole seconds). */
  readonly ttlMs: number;
  /**
   * Extends the lease to a full TTL from now. Rejects with LeaseExpiredError once it ended
   * (`reason: 'expired'`) or once a newer registration of the same id took the entry
   * (`reason: 'replaced'`).
   */
  renew(): Promise<void>;
  /** Ends the lease and removes its instance now. Harmless when it has already ended. */
  revoke(): Promise<void>;
}

export interface RegisterOptions {
  /** Lease TTL in ms (> 0). */
  ttlMs: number;
}

export interface SetHealthOptions {
  /** Why (a check's output, an operator's words); stored with the instance. */
  note?: string;
  /**
   * `draining` is sticky: without `force`, a change away from it is ignored, so a health check
   * that still sees the instance answering cannot put a draining instance back into rotation.
   */
  force?: boolean;
}

export type WatchListener = (snapshot: ServiceSnapshot) => void;

export interface Watch extends AsyncDisposable {
  /** Stops the listener; no call starts after this resolves. */
  close(): Promise<void>;
}

export interface Registry {
  /**
   * Lists an instance under a new lease. Registering an id that is already listed replaces the
   * old entry (the old lease's next renew fails with reason `replaced`): a restarted instance
   * takes its place at once.
   */
  register(spec: InstanceSpec, options: RegisterOptions): Promise<Lease>;
  /**
   * Sets an instance's health. Resolves true when it changed, false when it was already so (or
   * when a sticky `draining` kept it); rejects with InstanceNotFoundError when not listed.
   */
  setHealth(service: string, id: string, health: Health, options?: SetHealthOptions): Promise<boolean>;
  /** The service's instances now (an unknown service has none, at index 0 or later). */
  get(service: string): Promise<ServiceSnapshot>;
  /**
   * Calls `listener` with the current snapshot (before the promise resolves), then after every
   * change, with strictly growing indexes. Changes may be coalesced: a listener may skip an
   * intermediate state but always ends up at the latest. A listener must not throw (an error
   * is rethrown asynchronously, as an uncaught exception).
   */
  watch(service: string, listener: WatchListener): Promise<Watch>;
  /** Stops watches and timers. Leases are not revoked: registrations end themselves. */
  close(): Promise<void>;
}

/** Calls a listener so that a throwing one cannot break the registry's own bookkeeping. */
export function notify(listener: WatchListener, snapshot: ServiceSnapshot): void {
  try {
    listener(snapshot);
  } catch (err) {
    queueMicrotask(() => {
      throw err;
    });
  }
}
