/**
 * The registry on etcd v3, for services on several machines. Each instance is one key,
 * `<prefix><service>/<id>`, holding the instance as JSON and attached to its own lease, so etcd
 * deletes it when the lease expires. The index is etcd's revision: global and monotonic.
 *
 * Time on etcd is etcd's: TTLs are whole seconds (rounded up, and raised to the server's minimum).
 * Values under the prefix that are not instances are skipped when read.
 */
import { ClosedError, systemClock, type Clock } from '@switchyard/core';
import { Etcd3, EtcdLeaseInvalidError, type Lease as EtcdLease, type Namespace } from 'etcd3';
import { InstanceNotFoundError, LeaseExpiredError } from '../errors.js';
import { instanceFromSpec, type Health, type InstanceSpec, type ServiceSnapshot } from '../instance.js';
import { checkName, checkPositive } from '../validate.js';
import { decode, encode, keyOf, readService, toSnapshot } from './etcd-codec.js';
import { EtcdServiceWatch } from './etcd-watch.js';
import type { Lease, RegisterOptions, Registry, SetHealthOptions, Watch, WatchListener } from './registry.js';
import { OpenWatches } from './open-watches.js';

export interface EtcdRegistryOptions {
  /** A client to use (not closed by `close()`); or give `hosts`. */
  client?: Etcd3;
  /** etcd endpoints such as `http://127.0.0.1:2379`, when no client is given. */
  hosts?: string | string[];
  /** Key prefix (default `switchyard/registry/`). */
  prefix?: string;
  /** Stamps `registeredAt`; leases run on etcd's time. */
  clock?: Clock;
}

export class EtcdRegistry implements Registry {
  readonly #client: Etcd3;
  readonly #owned: boolean;
  readonly #ns: Namespace;
  readonly #clock: Clock;
  readonly #watches = new OpenWatches<EtcdServiceWatch>();
  #closed = false;

  constructor(options: EtcdRegistryOptions) {
    if (options.client) {
      this.#client = options.client;
      this.#owned = false;
    } else {
      this.#client = new Etcd3({ hosts: options.hosts ?? 'http://127.0.0.1:2379' });
      this.#owned = true;
    }
    this.#ns = this.#client.namespace(options.prefix ?? 'switchyard/registry/');
    this.#clock = options.clock ?? systemClock;
  }

  async register(spec: InstanceSpec, options: RegisterOptions): Promise<Lease> {
    this.#open();
    const ttlMs = checkPositive('register.ttlMs', options?.ttlMs);
    const instance = instanceFromSpec(spec, this.#clock.now(), 0);
    const key = keyOf(instance.service, instance.id);
    const lease = this.#ns.lease(Math.ceil(ttlMs / 1000), { autoKeepAlive: false });
    lease.on('lost', () => {}); // reported through renew(); an unheard 'lost' is harmless but noisy
    const id = await lease.grant();
    await lease.put(key).value(encode(instance));
    // Ask for the TTL etcd actually granted (it raises small ones to its minimum).
    const granted = await lease.keepaliveOnce();
    return new EtcdInstanceLease(this.#ns, lease, id, key, Number(granted.TTL) * 1000);
  }

  async setHealth(service: string, id: string, health: Health, options: SetHealthOptions = {}): Promise<boolean> {
    this.#open();
    const key = keyOf(checkName('service', service), checkName('instance id', id));
    // Compare-and-swap on the key's revision, so a concurrent change is never overwritten.
    for (let tries = 0; tries < 20; tries++) {
      const kv = (await this.#ns.get(key).exec()).kvs[0];
      const cur = kv && decode(kv);
      if (!kv || !cur) throw new InstanceNotFoundError(service, id);
      if (cur.health === 'draining' && health !== 'draining' && !options.force) return false;
      if (cur.health === health && cur.note === options.note) return false;
      const next = encode({ ...cur, health, note: options.note });
      const res = await this.#ns.if(key, 'Mod', '==', kv.mod_revision).then(this.#ns.put(key).value(next).ignoreLease()).commit();
      if (res.succeeded) return true;
    }
    throw new Error(`setHealth(${service}, ${id}): the key kept changing; gave up after 20 tries`);
  }

  async get(service: string): Promise<ServiceSnapshot> {
    this.#open();
    const { revision, byId } = await readService(this.#ns, checkName('service', service));
    return toSnapshot(service, revision, byId);
  }

  async watch(service: string, listener: WatchListener): Promise<Watch> {
    this.#open();
    return this.#watches.open(new EtcdServiceWatch(this.#ns, checkName('service', service), listener, this.#watches.forget));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#watches.closeAll();
    if (this.#owned) this.#client.close();
  }

  #open(): void {
    if (this.#closed) throw new ClosedError('registry');
  }
}

class EtcdInstanceLease implements Lease {
  constructor(
    private readonly ns: Namespace,
    private readonly lease: EtcdLease,
    readonly id: string,
    private readonly key: string,
    readonly ttlMs: number,
  ) {}

  async renew(): Promise<void> {
    try {
      await this.lease.keepaliveOnce();
    } catch (err) {
      if (err instanceof EtcdLeaseInvalidError) throw new LeaseExpiredError(this.id, 'expired', { cause: err });
      throw err;
    }
    // The lease lives, but a newer registration of the same id may have taken the key.
    const kv = (await this.ns.get(this.key).exec()).kvs[0];
    if (!kv) throw new LeaseExpiredError(this.id, 'expired');
    if (kv.lease !== this.id) {
      await this.lease.revoke();
      throw new LeaseExpiredError(this.id, 'replaced');
    }
  }

  async revoke(): Promise<void> {
    await this.lease.revoke();
  }
}
