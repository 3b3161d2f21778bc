import type { Broker, Clock, QueueInfo } from '@switchyard/core';
import type { MetaStore, QueueMeta } from './meta-store.js';

export interface QueueSettings {
  info: QueueInfo;
  meta: QueueMeta;
}

/**
 * A queue's settings and SQS attributes for the hot SQS calls (send, receive, delete), kept for
 * up to `ttlMs` so a call does not pay an extra engine round trip just to learn them. This server
 * forgets an entry whenever it changes the queue; a change made elsewhere (the JSON API, another
 * server on the same file) shows within `ttlMs`. Existence is still enforced by the engine on
 * every write, so a deleted queue is never written to.
 */
export class SettingsCache {
  readonly #entries = new Map<string, { at: number; value: Promise<QueueSettings> }>();

  constructor(
    readonly broker: Broker,
    readonly meta: MetaStore,
    readonly clock: Clock,
    readonly ttlMs = 1000,
  ) {}

  get(name: string): Promise<QueueSettings> {
    const now = this.clock.now();
    const hit = this.#entries.get(name);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = this.broker
      .queue(name)
      .info()
      .then((info) => ({ info, meta: this.meta.get(name, info.createdAt) }));
    value.catch(() => this.#entries.delete(name));
    if (this.#entries.size > 10_000) this.#entries.clear();
    this.#entries.set(name, { at: now, value });
    return value;
  }

  forget(name: string): void {
    this.#entries.delete(name);
  }
}
