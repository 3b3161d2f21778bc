import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { ResolvedRedisOptions } from './options.js';
import { Scripts } from './scripts.js';
import type { Waiters } from '@switchyard/core';

/**
 * The command connection and the wake-up subscriber. Scripts PUBLISH `origin:queue` on the
 * broker's channel after every change that can make a message deliverable, and
 * `origin:stream:<name>` after every append to a stream; the subscriber turns other engines'
 * messages into local wake-ups (this engine's own are woken directly). ioredis
 * reconnects both after a server restart and resubscribes; the engine then wakes every waiter,
 * since messages published while it was away are lost.
 */
export class Connection {
  readonly redis: Redis;
  /** The key prefix as the scripts use it: `{prefix}`. */
  readonly prefix: string;
  readonly scripts: Scripts;
  readonly #sub: Redis;
  readonly #channel: string;
  readonly #origin = randomUUID();
  #inFlight = 0;

  constructor(options: ResolvedRedisOptions, waiters: Waiters) {
    const prefix = (this.prefix = `{${options.prefix}}`);
    this.#channel = `${prefix}:wake`;
    // Auto-pipelining writes the commands issued in one tick in one batch: many concurrent sends
    // and acks share a round trip (and, with appendfsync always, an fsync). While the server is
    // away commands wait in ioredis's offline queue and fail after its 20 reconnect attempts.
    this.redis = new Redis(options.url, { enableAutoPipelining: true, lazyConnect: true });
    this.#sub = this.redis.duplicate({ enableAutoPipelining: false });
    this.scripts = new Scripts(this.redis, prefix, this.#origin, () => options.clock.now());
    this.#sub.on('message', (_channel: string, message: string) => {
      const at = message.indexOf(':');
      if (at > 0 && message.slice(0, at) !== this.#origin) waiters.notify(message.slice(at + 1));
    });
    let connectedBefore = false;
    this.#sub.on('ready', () => {
      if (connectedBefore) waiters.notifyAll();
      connectedBefore = true;
    });
    // Errors surface on the commands that fail; without listeners they would crash the process.
    this.redis.on('error', () => undefined);
    this.#sub.on('error', () => undefined);
  }

  async open(): Promise<void> {
    await this.redis.connect();
    await this.#sub.subscribe(this.#channel);
  }

  /** Counts calls in flight, for `settled()`. */
  async track<T>(call: Promise<T>): Promise<T> {
    this.#inFlight++;
    try {
      return await call;
    } finally {
      this.#inFlight--;
    }
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#sub.quit(), this.redis.quit()]);
    this.#sub.disconnect();
    this.redis.disconnect();
  }
}
