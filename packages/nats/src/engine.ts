import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { closingController, type AdminEngine, type Engine, type QueueEngine, type TopicEngine } from '@switchyard/core';
import { NatsAdmin } from './admin.js';
import type { Context } from './context.js';
import { natsFeatures } from './features.js';
import { Inbox } from './inbox.js';
import { LeaseTable } from './leases.js';
import { Metadata } from './metadata.js';
import { Names } from './names.js';
import { resolveNatsOptions, type NatsEngineOptions } from './options.js';
import { NatsQueues } from './queues.js';
import { NatsStreams } from './streams/stream-engine.js';
import { NatsTopics } from './topics.js';
import { Puller } from './pull.js';
import { RecentAcks } from './recent-acks.js';

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
  readonly streams: NatsStreams;
  readonly #ctx: Context;
  #closed: Promise<void> | undefined;

  private constructor(ctx: Context, streams: NatsStreams) {
    this.#ctx = ctx;
    this.streams = streams;
    this.queues = new NatsQueues(ctx);
    this.topics = new NatsTopics(ctx);
    this.admin = new NatsAdmin(ctx);
  }

  static async open(options: NatsEngineOptions = {}): Promise<NatsEngine> {
    const o = resolveNatsOptions(options);
    // noAsyncTraces: without it every request (each publish and each ack) builds two Error objects
    // up front for their stack traces, a fifth of the engine's CPU per message.
    const nc = await connect({ servers: o.servers, name: o.name, maxReconnectAttempts: -1, reconnectTimeWait: 250, pingInterval: 5_000, noAsyncTraces: true });
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
        inbox: new Inbox(nc),
        pulls: new Puller(nc),
        closing: closingController(),
        released: new Map(),
        acked: new RecentAcks(),
      };
      const streams = new NatsStreams({ nc, js, jsm, prefix: o.prefix, clock: o.clock, sweepIntervalMs: o.streamSweepIntervalMs, closing: ctx.closing.signal });
      return new NatsEngine(ctx, streams);
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  /** Ends long polls (empty), forgets local leases (the server's AckWait ends them) and drains the connection. */
  close(): Promise<void> {
    return (this.#closed ??= (async () => {
      this.#ctx.closing.abort();
      this.#ctx.pulls.close();
      this.#ctx.leases.clear();
      await this.streams.close();
      await this.#ctx.nc.drain().catch(() => this.#ctx.nc.close());
    })());
  }

  /** Resolves once work the clock set off (a retention sweep) is done; see tests/engines/settled-clock.ts. */
  settled(): Promise<void> {
    return this.streams.settled();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
