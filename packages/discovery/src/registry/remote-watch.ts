/**
 * One watch of one service on a Switchyard server: read the snapshot, then long-poll
 * `GET …/services/{service}?index=N&waitMs=W`, which the server answers as soon as the service's
 * index is no longer N (or, unchanged, after W). Nothing is missed between polls: a change made
 * while no poll is open moves the index, and the next poll returns at once.
 *
 * A failed poll (the server restarting, a network fault) is retried after `retryMs` until the
 * watch is closed. The server's registry lives in its memory and starts empty after a restart,
 * at indexes past the old ones (they start from its start time); should they ever be lower (its
 * clock set back), a snapshot whose index differs from the last one is still delivered as a
 * change, with the index raised so that listeners see it grow.
 */
import { setTimeout as wait } from 'node:timers/promises';
import type { ServiceSnapshot } from '../instance.js';
import { notify, type Watch, type WatchListener } from './registry.js';
import { snapshotFromWire, type RegistryTransport } from './remote-wire.js';

export class RemoteServiceWatch implements Watch {
  readonly #abort = new AbortController();
  readonly #path: string;
  #closed = false;
  #loop: Promise<void> | undefined;
  /** The index of the last snapshot the server sent. */
  #serverIndex = -1;
  /** The index of the last snapshot the listener saw. */
  #delivered = -1;

  constructor(
    private readonly t: RegistryTransport,
    private readonly service: string,
    private readonly listener: WatchListener,
    private readonly waitMs: number,
    private readonly retryMs: number,
    private readonly onClose: (w: RemoteServiceWatch) => void,
  ) {
    this.#path = `/v1/registry/services/${encodeURIComponent(service)}`;
  }

  /** Delivers the first snapshot (rejecting if it cannot be read) and starts following. */
  async start(): Promise<void> {
    const first = snapshotFromWire(await this.t.call('GET', this.#path, { subject: { service: this.service }, signal: this.#abort.signal }), this.t.where);
    if (this.#closed) return;
    this.#deliver(first);
    this.#loop = this.#follow();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.onClose(this);
    this.#abort.abort();
    await this.#loop;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #follow(): Promise<void> {
    const signal = this.#abort.signal;
    while (!this.#closed) {
      try {
        const path = `${this.#path}?index=${this.#serverIndex}&waitMs=${this.waitMs}`;
        const snap = snapshotFromWire(await this.t.call('GET', path, { subject: { service: this.service }, holdMs: this.waitMs, signal }), this.t.where);
        if (this.#closed) return;
        if (snap.index !== this.#serverIndex) this.#deliver(snap);
      } catch {
        if (this.#closed) return;
        await wait(this.retryMs, undefined, { ref: false, signal }).catch(() => undefined);
      }
    }
  }

  #deliver(snap: ServiceSnapshot): void {
    this.#serverIndex = snap.index;
    const out = snap.index > this.#delivered ? snap : { ...snap, index: this.#delivered + 1 };
    this.#delivered = out.index;
    notify(this.listener, out);
  }
}
