import { closingController, type AdminEngine, type Engine, type QueueEngine, type TopicEngine } from '@switchyard/core';
import { RabbitAdmin } from './admin.js';
import { Connection } from './connection.js';
import type { Context } from './context.js';
import { rabbitFeatures } from './features.js';
import { LeaseTable } from './leases.js';
import { Management } from './management.js';
import { Metadata } from './metadata.js';
import { Names } from './names.js';
import { resolveRabbitMqOptions, type RabbitMqEngineOptions } from './options.js';
import { RabbitQueues } from './queues.js';
import { RabbitTopics } from './topics.js';

/**
 * The engine on RabbitMQ (3.10+): quorum queues, publisher confirms, the broker's delivery limit
 * and dead-letter exchanges, TTL delay queues, headers exchanges for topics. After a broker
 * restart it reconnects on the next call; what the broker confirmed is on disk in the quorum
 * queues, and deliveries leased on the old connection went back to their queues.
 */
export class RabbitMqEngine implements Engine {
  readonly name = 'rabbitmq';
  readonly features = rabbitFeatures;
  readonly queues: QueueEngine;
  readonly topics: TopicEngine;
  readonly admin: AdminEngine;
  readonly #ctx: Context;
  readonly #queues: RabbitQueues;
  #closed: Promise<void> | undefined;

  private constructor(ctx: Context) {
    this.#ctx = ctx;
    const queues = new RabbitQueues(ctx);
    this.#queues = queues;
    this.queues = queues;
    this.topics = new RabbitTopics(ctx);
    this.admin = new RabbitAdmin(ctx, queues.delays);
  }

  static async open(options: RabbitMqEngineOptions = {}): Promise<RabbitMqEngine> {
    const o = resolveRabbitMqOptions(options);
    const names = new Names(o.prefix);
    const mgmt = new Management(o.managementUrl);
    const leases = new LeaseTable();
    const conn = new Connection(o.url, o.reconnectTimeoutMs);
    conn.onChannelClosed = (ch) => leases.channelClosed(ch);
    const ctx: Context = { conn, mgmt, meta: new Metadata(mgmt, names), names, leases, closing: closingController(), polls: new Set() };
    await conn.session();
    return new RabbitMqEngine(ctx);
  }

  /** Ends long polls (empty) and closes the connection, which returns every unsettled delivery to its queue. */
  close(): Promise<void> {
    return (this.#closed ??= (async () => {
      this.#ctx.closing.abort();
      await this.#queues.closeReceivers();
      await Promise.allSettled([...this.#ctx.polls]);
      this.#ctx.leases.clear();
      await this.#ctx.conn.close();
    })());
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
