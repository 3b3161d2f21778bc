/**
 * One watch of one service on etcd: read the instances at revision R, then follow changes from
 * R + 1, so nothing falls between the read and the watch. The etcd3 watch manager reconnects
 * and resumes by itself after a disconnection; if etcd cancels the watch instead (its revision
 * was compacted away), the watch reads the service again and follows on from there.
 */
import { setTimeout as wait } from 'node:timers/promises';
import type { Namespace, Watcher } from 'etcd3';
import type { Instance } from '../instance.js';
import { notify, type Watch, type WatchListener } from './registry.js';
import { decode, readService, toSnapshot } from './etcd-codec.js';

export class EtcdServiceWatch implements Watch {
  #watcher: Watcher | undefined;
  #byId = new Map<string, Instance>();
  #closed = false;
  /** Resyncs after a cancelled watch, one at a time. */
  #resync: Promise<void> | undefined;

  constructor(
    private readonly ns: Namespace,
    private readonly service: string,
    private readonly listener: WatchListener,
    private readonly onClose: (w: EtcdServiceWatch) => void,
  ) {}

  /** Delivers the first snapshot and starts following. */
  async start(): Promise<void> {
    const { revision, byId } = await readService(this.ns, this.service);
    this.#byId = byId;
    if (this.#closed) return;
    notify(this.listener, toSnapshot(this.service, revision, byId));
    const watcher = await this.ns.watch().prefix(`${this.service}/`).startRevision(String(revision + 1)).create();
    if (this.#closed) {
      await watcher.cancel();
      return;
    }
    this.#watcher = watcher;
    // Keys arrive without the namespace prefix (etcd3 strips it before 'data' listeners run).
    watcher.on('data', (res) => {
      if (this.#closed || this.#watcher !== watcher || res.events.length === 0) return;
      for (const ev of res.events) {
        const id = ev.kv.key.toString().slice(this.service.length + 1);
        const inst = ev.type === 'Put' ? decode(ev.kv) : undefined;
        if (inst) this.#byId.set(id, inst);
        else this.#byId.delete(id);
      }
      notify(this.listener, toSnapshot(this.service, Number(res.header.revision), this.#byId));
    });
    watcher.on('error', () => {
      if (this.#closed || this.#watcher !== watcher) return;
      this.#watcher = undefined;
      this.#resync ??= this.#restart().finally(() => (this.#resync = undefined));
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.onClose(this);
    await this.#resync;
    await this.#watcher?.cancel();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Reads and watches again; while etcd does not answer, tries every second until closed. */
  async #restart(): Promise<void> {
    while (!this.#closed) {
      try {
        await this.start();
        return;
      } catch {
        await wait(1000, undefined, { ref: false });
      }
    }
  }
}
