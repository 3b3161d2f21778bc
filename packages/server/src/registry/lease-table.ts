/**
 * The server's side of registry leases. A client holds a lease across requests by its id; this
 * table maps ids to the registry's Lease objects, and each instance to the lease that listed it
 * last (for deregistering by instance).
 *
 * A lease's record outlives the lease by a grace period, so that a late renew still learns *why*
 * it ended (`replaced` or `expired`). A record not renewed for its TTL plus that grace is
 * forgotten (its lease has surely ended by then); an unknown id is reported as expired, which is
 * also what a client whose server restarted hears, and why its Registration registers again.
 */
import type { Clock, TimerHandle } from '@switchyard/core';
import { LeaseExpiredError, type InstanceSpec, type Lease, type MemoryRegistry } from '@switchyard/discovery/registry';

interface LeaseRecord {
  readonly lease: Lease;
  readonly service: string;
  readonly id: string;
  forget: TimerHandle;
}

/** How long a record is kept past its lease's TTL: at least this, at least one more TTL. */
const minGraceMs = 60_000;

export class LeaseTable {
  readonly #registry: MemoryRegistry;
  readonly #clock: Clock;
  readonly #byLease = new Map<string, LeaseRecord>();
  /** `service` NUL `id` → the lease that registered the instance last. */
  readonly #byInstance = new Map<string, string>();

  constructor(registry: MemoryRegistry, clock: Clock) {
    this.#registry = registry;
    this.#clock = clock;
  }

  /** Lists the instance under a new lease, replacing an entry with the same id. */
  async register(spec: InstanceSpec, ttlMs: number): Promise<Lease> {
    const lease = await this.#registry.register(spec, { ttlMs });
    const record: LeaseRecord = { lease, service: spec.service, id: spec.id, forget: this.#forgetLater(lease.id, lease.ttlMs) };
    this.#byLease.set(lease.id, record);
    this.#byInstance.set(instanceKey(spec.service, spec.id), lease.id);
    return lease;
  }

  /** Extends the lease; LeaseExpiredError when it ended or is unknown (or of another service). */
  async renew(service: string, leaseId: string): Promise<Lease> {
    const record = this.#record(service, leaseId);
    if (!record) throw new LeaseExpiredError(leaseId, 'expired');
    try {
      await record.lease.renew();
    } catch (err) {
      // An expiry is final; a replacement is kept, so that the next renew says so again.
      if (err instanceof LeaseExpiredError && err.reason === 'expired') this.#forget(leaseId);
      throw err;
    }
    record.forget.cancel();
    record.forget = this.#forgetLater(leaseId, record.lease.ttlMs);
    return record.lease;
  }

  /** Ends the lease and removes its instance now; harmless when it ended or is unknown. */
  async revoke(service: string, leaseId: string): Promise<void> {
    const record = this.#record(service, leaseId);
    if (!record) return;
    this.#forget(leaseId);
    await record.lease.revoke();
  }

  /** Removes the instance whatever lease holds it; false when it was not listed. */
  async deregister(service: string, id: string): Promise<boolean> {
    const listed = (await this.#registry.get(service)).instances.some((i) => i.id === id);
    const leaseId = this.#byInstance.get(instanceKey(service, id));
    if (!listed || leaseId === undefined) return false;
    await this.revoke(service, leaseId);
    return true;
  }

  /** Revokes every lease (the test-clock reset); returns how many records there were. */
  async revokeAll(): Promise<number> {
    const records = [...this.#byLease.values()];
    for (const r of records) {
      this.#forget(r.lease.id);
      await r.lease.revoke();
    }
    return records.length;
  }

  /** Cancels the timers; the registry's own close ends the leases' timers. */
  close(): void {
    for (const r of this.#byLease.values()) r.forget.cancel();
    this.#byLease.clear();
    this.#byInstance.clear();
  }

  #record(service: string, leaseId: string): LeaseRecord | undefined {
    const record = this.#byLease.get(leaseId);
    return record?.service === service ? record : undefined;
  }

  #forgetLater(leaseId: string, ttlMs: number): TimerHandle {
    const timer = this.#clock.setTimer(() => this.#forget(leaseId), ttlMs + Math.max(ttlMs, minGraceMs));
    timer.unref?.();
    return timer;
  }

  #forget(leaseId: string): void {
    const record = this.#byLease.get(leaseId);
    if (!record) return;
    record.forget.cancel();
    this.#byLease.delete(leaseId);
    const key = instanceKey(record.service, record.id);
    if (this.#byInstance.get(key) === leaseId) this.#byInstance.delete(key);
  }
}

function instanceKey(service: string, id: string): string {
  return `${service}\u0000${id}`;
}
