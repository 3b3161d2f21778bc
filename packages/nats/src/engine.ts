import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import type { AdminEngine, Engine, QueueEngine, TopicEngine } from '@switchyard/core';
import { NatsAdmin } from './admin.js';
import type { Context } from './context.js';
import { natsFeatures } from './features.js';
import { LeaseTable } from './leases.js';
import { Metadata } from './metadata.js';
import { Names } from './names.js';
import { resolveNatsOptions, type NatsEngineOptions } from './options.js';
import { NatsQueues } from './queues.js';
import { NatsTopics } from './topics.js';

/**
 * The engine on NATS JetStream. The client reconnects by itself for as long as the engine is
 * open (publishes and requests made while it is away fail, and the caller retries); everything
 * the server acknowledged is on its file store and survives a server restart.
 */
export class NatsEngine implements Engine {
  readonly name = 'nats';
  readonly features = natsFeatures;
  readonly queues: QueueEngine;
  readonly topics: TopicEngine;
  readonly admin: AdminEngine;
  readonly #ctx: Context;
  #closed: Promise<void> | undefined;

  private constructor(ctx: Context) {
    this.#ctx = ctx;
    this.queues = new NatsQueues(ctx);
    this.topics = new NatsTopics(ctx);
    this.admin = new NatsAdmin(ctx);
  }

  static async open(options: NatsEngineOptions = {}): Promise<NatsEngine> {
    const o = resolveNatsOptions(options);
    const nc = await connect({ servers: o.servers, name: o.name, maxReconnectAttempts: -1, reconnectTimeWait: 250, pingInterval: 5_000 });
    try {
      const names = new Names(o.prefix);
      const js = jetstream(nc);
      const jsm = await jetstreamManager(nc);
      const kv = await new Kvm(js).create(names.bucket, { history: 1 });
      const ctx: Context = {
        nc,
        js,
        jsm,
        names,
        meta: new Metadata(kv),
        leases: new LeaseTable((reply, verb) => nc.publish(reply, verb)),
        closing: new AbortController(),
        released: new Map(),
      };
      return new NatsEngine(ctx);
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  /** Ends long polls (empty), forgets local leases (the server's AckWait ends them) and drains the connection. */
  close(): Promise<void> {
    return (this.#closed ??= (async () => {
      this.#ctx.closing.abort();
      this.#ctx.leases.clear();
      await this.#ctx.nc.drain().catch(() => this.#ctx.nc.close());
    })());
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
