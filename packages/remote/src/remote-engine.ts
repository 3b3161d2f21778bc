import { InvalidArgumentError, supported, unsupported, type Engine, type Features } from '@switchyard/core';
import type { RemoteContext } from './context.js';
import { FenceLog } from './fence-log.js';
import { HttpTransport } from './http.js';
import { Lifecycle } from './lifecycle.js';
import { resolveRemoteOptions, type RemoteEngineOptions } from './options.js';
import { PushChannel } from './push-channel.js';
import { RemoteAdmin, RemoteTopics } from './remote-admin.js';
import { RemoteQueues } from './remote-queues.js';
import { RemoteStreams } from './remote-streams.js';
import { ServerClock } from './server-clock.js';

function remoteFeatures(drivesServerClock: boolean): Features {
  const clock = drivesServerClock
    ? supported
    : unsupported('the server reads its own clock; tests drive it with a ServerClock against `switchyard server --test-clock`');
  return {
    fifo: supported,
    delays: supported,
    deadLetter: supported,
    redrive: supported,
    peek: supported,
    topics: supported,
    retention: supported,
    streams: supported,
    deadLetterCounts: supported,
    injectedClock: clock,
    streamClock: clock,
    streamTransactions: supported,
  };
}

/**
 * The engine contracts over a Switchyard server (its JSON API, and its push channel for waiting
 * and settling), so a Broker on it behaves as on the embedded engine; the server's typed errors
 * come back as the same classes. No I/O until the first call.
 */
export class RemoteEngine implements Engine {
  readonly name = 'remote';
  readonly features: Features;
  readonly queues: RemoteQueues;
  readonly topics: RemoteTopics;
  readonly admin: RemoteAdmin;
  readonly streams: RemoteStreams;
  /** The server's base URL. */
  readonly url: string;
  readonly #ctx: RemoteContext;
  readonly #unfollow: (() => void) | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: RemoteEngineOptions) {
    const resolved = resolveRemoteOptions(options);
    const clock = options.clock instanceof ServerClock ? options.clock : undefined;
    if (clock && new URL(clock.url).origin !== resolved.url.origin) {
      throw new InvalidArgumentError('clock', `drives ${clock.url}, not this engine's server ${resolved.url.origin}`);
    }
    const fences = clock ? new FenceLog() : undefined;
    this.#unfollow = fences ? clock?.follow(fences) : undefined;
    const http = new HttpTransport(resolved, fences);
    this.#ctx = { http, push: resolved.push ? new PushChannel(http, resolved, fences) : undefined, life: new Lifecycle(), fences };
    this.url = http.url;
    this.features = remoteFeatures(clock !== undefined);
    this.queues = new RemoteQueues(this.#ctx);
    this.topics = new RemoteTopics(this.#ctx);
    this.admin = new RemoteAdmin(this.#ctx);
    this.streams = new RemoteStreams(this.#ctx);
  }

  /** Checks that the server answers (`GET /healthz`); RemoteUnavailableError otherwise. */
  async ping(): Promise<void> {
    this.#ctx.life.checkOpen();
    await this.#ctx.http.call('GET', '/healthz');
  }

  /**
   * Refuses new calls (ClosedError), answers waiting long polls with [], lets requests in flight
   * finish, then closes the connections. Closing twice is harmless.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#ctx.life.close();
      this.#unfollow?.();
      await this.#ctx.push?.close(this.#ctx.http.requestTimeoutMs);
      await this.#ctx.http.close();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
