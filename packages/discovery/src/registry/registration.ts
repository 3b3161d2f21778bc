/**
 * An instance's own side of the registry: register under a lease, renew it on a timer, put it
 * back if the lease is lost, and leave cleanly (drain, then deregister) on shutdown.
 */
import { InvalidArgumentError, isSwitchyardError, systemClock, type Clock, type TimerHandle } from '@switchyard/core';
import { LeaseExpiredError } from '../errors.js';
import type { Health, InstanceSpec } from '../instance.js';
import { Emitter } from '../listeners.js';
import { checkPositive } from '../validate.js';
import type { Lease, Registry } from './registry.js';

export interface RegistrationOptions {
  /** Lease TTL (default 10 000 ms). */
  ttlMs?: number;
  /** Renewal period (default ttlMs / 3, so two renewals can fail before the lease expires). */
  heartbeatMs?: number;
  clock?: Clock;
}

export type RegistrationEvent =
  | { type: 'heartbeat-failed'; error: unknown }
  /** The lease expired (the process stalled, or the registry lost it) and a new one was taken. */
  | { type: 'reregistered'; leaseId: string }
  /** Another registration of the same id took over; this one stopped and will not come back. */
  | { type: 'replaced' };

/**
 * Registers `spec` and keeps it registered until `deregister()`. Resolves once the instance is
 * listed. The health given to `setHealth` is remembered and restored if the lease has to be
 * taken again.
 */
export async function register(registry: Registry, spec: InstanceSpec, options: RegistrationOptions = {}): Promise<Registration> {
  const ttlMs = checkPositive('registration.ttlMs', options.ttlMs ?? 10_000);
  const heartbeatMs = checkPositive('registration.heartbeatMs', options.heartbeatMs ?? ttlMs / 3);
  if (heartbeatMs >= ttlMs) throw new InvalidArgumentError('registration.heartbeatMs', `must be less than ttlMs (${ttlMs}), got ${heartbeatMs}`);
  const lease = await registry.register(spec, { ttlMs });
  return new Registration(registry, spec, lease, ttlMs, heartbeatMs, options.clock ?? systemClock);
}

export class Registration implements AsyncDisposable {
  readonly #registry: Registry;
  #spec: InstanceSpec;
  #lease: Lease;
  readonly #ttlMs: number;
  readonly #heartbeatMs: number;
  readonly #clock: Clock;
  readonly #events = new Emitter<RegistrationEvent>();
  #timer: TimerHandle | undefined;
  #beat: Promise<void> | undefined;
  #stopped = false;

  constructor(registry: Registry, spec: InstanceSpec, lease: Lease, ttlMs: number, heartbeatMs: number, clock: Clock) {
    this.#registry = registry;
    this.#spec = spec;
    this.#lease = lease;
    this.#ttlMs = ttlMs;
    this.#heartbeatMs = heartbeatMs;
    this.#clock = clock;
    this.#schedule();
  }

  get service(): string {
    return this.#spec.service;
  }

  get id(): string {
    return this.#spec.id;
  }

  get leaseId(): string {
    return this.#lease.id;
  }

  /** False once deregistered or replaced. */
  get active(): boolean {
    return !this.#stopped;
  }

  on(listener: (e: RegistrationEvent) => void): () => void {
    return this.#events.on(listener);
  }

  /** Sets this instance's own health; it overrides a sticky `draining` (it is the owner). */
  async setHealth(health: Health, note?: string): Promise<void> {
    this.#spec = { ...this.#spec, health };
    await this.#registry.setHealth(this.#spec.service, this.#spec.id, health, { note, force: true });
  }

  /** Marks the instance draining: clients stop sending new calls; it stays listed. */
  drain(note = 'draining for shutdown'): Promise<void> {
    return this.setHealth('draining', note);
  }

  /** Runs one renewal now (the timer does this on its own). */
  heartbeat(): Promise<void> {
    this.#beat ??= this.#renew().finally(() => (this.#beat = undefined));
    return this.#beat;
  }

  /** Stops renewing and removes the instance from the registry now. Idempotent. */
  async deregister(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#timer?.cancel();
    await this.#beat?.catch(() => {});
    await this.#lease.revoke();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.deregister();
  }

  async #renew(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.#lease.renew();
    } catch (error) {
      if (this.#stopped) return;
      if (error instanceof LeaseExpiredError && error.reason === 'replaced') {
        this.#stopped = true;
        this.#timer?.cancel();
        this.#events.emit({ type: 'replaced' });
        return;
      }
      if (!isSwitchyardError(error, 'LEASE_EXPIRED')) {
        this.#events.emit({ type: 'heartbeat-failed', error });
        return;
      }
      try {
        this.#lease = await this.#registry.register(this.#spec, { ttlMs: this.#ttlMs });
        this.#events.emit({ type: 'reregistered', leaseId: this.#lease.id });
      } catch (err) {
        this.#events.emit({ type: 'heartbeat-failed', error: err });
      }
    }
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimer(() => {
      void this.heartbeat().finally(() => this.#schedule());
    }, this.#heartbeatMs);
    this.#timer.unref?.();
  }
}
