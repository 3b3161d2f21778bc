/**
 * The registry inside a Switchyard server (`switchyard server`), over its JSON API: services on
 * several machines register with, and clients resolve through, one server, with no etcd to run.
 * Leases live and expire on the server (on its clock); watches are long polls.
 *
 * The server keeps its registry in memory: after a restart it is empty, and each instance's
 * next heartbeat fails with LEASE_EXPIRED, upon which `register()` (the Registration) puts it
 * back. Specs and names are checked here first, with the same errors the server would give.
 *
 * Permissions on a server with credentials (the resource is the service name): `register` to
 * register, renew, revoke and set health; `discover` to read and watch (and, on `*`, to list
 * services).
 */
import { ClosedError, InvalidArgumentError, checkInt } from '@switchyard/core';
import { Agent, type Dispatcher } from 'undici';
import { isHealth, instanceFromSpec, type Health, type InstanceSpec, type ServiceSnapshot } from '../instance.js';
import { checkName, checkPositive } from '../validate.js';
import type { Lease, RegisterOptions, Registry, SetHealthOptions, Watch, WatchListener } from './registry.js';
import { RemoteServiceWatch } from './remote-watch.js';
import { RegistryTransport, snapshotFromWire } from './remote-wire.js';
import { OpenWatches } from './open-watches.js';

export interface RemoteRegistryOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:4100`; a path prefix is kept. */
  url: string;
  /** Bearer token, `<accessKeyId>:<secretAccessKey>`, for a server with credentials. */
  token?: string;
  /** Real-time limit on a request, ms (a watch's poll gets its wait on top). Default 10 000. */
  requestTimeoutMs?: number;
  /** How long the server may hold a watch's poll when nothing changes, ms: 1–60 000. Default 30 000. */
  watchWaitMs?: number;
  /** After a failed watch poll, wait this long before the next, ms. Default 1000. */
  watchRetryMs?: number;
  /** undici dispatcher (default: an Agent of this registry's own, closed by `close()`). */
  dispatcher?: Dispatcher;
}

const enc = encodeURIComponent;

export class RemoteRegistry implements Registry {
  readonly #t: RegistryTransport;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #waitMs: number;
  readonly #retryMs: number;
  readonly #watches = new OpenWatches<RemoteServiceWatch>();
  #closed = false;

  constructor(options: RemoteRegistryOptions) {
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('remoteRegistry', 'must be an object with a url');
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new InvalidArgumentError('remoteRegistry.url', `must be an http(s) URL, not ${JSON.stringify(options.url)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('remoteRegistry.url', `must be an http(s) URL, not ${JSON.stringify(options.url)}`);
    if (url.search || url.hash) throw new InvalidArgumentError('remoteRegistry.url', 'must not have a query or a fragment');
    if (options.token !== undefined && (typeof options.token !== 'string' || !/^[^:\s]+:\S+$/.test(options.token))) {
      throw new InvalidArgumentError('remoteRegistry.token', 'must be "<accessKeyId>:<secretAccessKey>"');
    }
    const timeoutMs = checkInt('remoteRegistry.requestTimeoutMs', options.requestTimeoutMs ?? 10_000, { min: 1, max: 3_600_000 });
    this.#waitMs = checkInt('remoteRegistry.watchWaitMs', options.watchWaitMs ?? 30_000, { min: 1, max: 60_000 });
    this.#retryMs = checkInt('remoteRegistry.watchRetryMs', options.watchRetryMs ?? 1000, { min: 0, max: 3_600_000 });
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher = options.dispatcher ?? new Agent();
    this.#t = new RegistryTransport(url, options.token, this.#dispatcher, timeoutMs);
  }

  async register(spec: InstanceSpec, options: RegisterOptions): Promise<Lease> {
    this.#open();
    const ttlMs = checkPositive('register.ttlMs', options?.ttlMs);
    const { id, service, address, metadata, version, zone, weight, health } = instanceFromSpec(spec, 0, 0);
    const res = await this.#t.call<{ lease: { id: string; ttlMs: number } }>('PUT', `/v1/registry/services/${enc(service)}/instances/${enc(id)}`, {
      body: { ttlMs, address, metadata, version, zone, weight, health },
      subject: { service, id },
    });
    return new RemoteLease(this.#t, service, res.lease.id, res.lease.ttlMs);
  }

  async setHealth(service: string, id: string, health: Health, options: SetHealthOptions = {}): Promise<boolean> {
    this.#open();
    checkName('service', service);
    checkName('instance id', id);
    if (!isHealth(health)) throw new InvalidArgumentError('health', `must be one of passing, warning, critical, draining, got ${JSON.stringify(health)}`);
    const res = await this.#t.call<{ changed: boolean }>('PUT', `/v1/registry/services/${enc(service)}/instances/${enc(id)}/health`, {
      body: { health, note: options.note, force: options.force },
      subject: { service, id },
    });
    return res.changed;
  }

  async get(service: string): Promise<ServiceSnapshot> {
    this.#open();
    checkName('service', service);
    return snapshotFromWire(await this.#t.call('GET', `/v1/registry/services/${enc(service)}`, { subject: { service } }), this.#t.where);
  }

  /** The services that have at least one instance now, sorted by name (needs `discover` on `*`). */
  async services(): Promise<string[]> {
    this.#open();
    const res = await this.#t.call<{ services: { service: string }[] }>('GET', '/v1/registry/services');
    return res.services.map((s) => s.service);
  }

  async watch(service: string, listener: WatchListener): Promise<Watch> {
    this.#open();
    return this.#watches.open(new RemoteServiceWatch(this.#t, checkName('service', service), listener, this.#waitMs, this.#retryMs, this.#watches.forget));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#watches.closeAll();
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  #open(): void {
    if (this.#closed) throw new ClosedError('registry');
  }
}

class RemoteLease implements Lease {
  readonly #path: string;

  constructor(
    private readonly t: RegistryTransport,
    private readonly service: string,
    readonly id: string,
    readonly ttlMs: number,
  ) {
    this.#path = `/v1/registry/services/${enc(service)}/leases/${enc(id)}`;
  }

  async renew(): Promise<void> {
    await this.t.call('POST', `${this.#path}/renew`, { subject: { service: this.service, leaseId: this.id } });
  }

  async revoke(): Promise<void> {
    await this.t.call('DELETE', this.#path, { subject: { service: this.service, leaseId: this.id } });
  }
}
