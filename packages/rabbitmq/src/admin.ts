import {
  QueueAlreadyExistsError,
  QueueInUseError,
  TopicNotFoundError,
  UnsupportedError,
  type AdminEngine,
  type QueueInfo,
  type QueueOptions,
  type SubscriptionInfo,
  type SubscriptionOptions,
  type TopicInfo,
} from '@switchyard/core';
import { randomUUID } from 'node:crypto';
import { bindingsFor } from './bindings.js';
import { checkOpen, requireQueue, type Context } from './context.js';
import type { Delays } from './delays.js';
import { rabbitFeatures } from './features.js';
import type { StoredSubscription, StoredTopic } from './metadata.js';

/**
 * Queues are durable quorum queues. What may change later (dead-letter target, delivery limit,
 * retention) is applied by a per-queue policy rather than queue arguments, which RabbitMQ fixes
 * at declaration. The settings themselves are kept as a global parameter.
 */
export class RabbitAdmin implements AdminEngine {
  constructor(
    private readonly ctx: Context,
    private readonly delays: Delays,
  ) {}

  async createQueue(name: string, options: Required<QueueOptions>): Promise<QueueInfo> {
    checkOpen(this.ctx);
    if (options.fifo) throw new UnsupportedError('fifo', rabbitFeatures.fifo.supported ? '' : rabbitFeatures.fifo.reason);
    const existing = await this.ctx.meta.queue(name, true);
    if (existing) return sameSettings(existing, options);
    if (options.deadLetter) await requireQueue(this.ctx, options.deadLetter.queue, true);
    const info: QueueInfo = { name, ...options, createdAt: Date.now() };
    await this.ctx.conn.withChannel((ch) => ch.assertQueue(this.ctx.names.queue(name), { durable: true, arguments: { 'x-queue-type': 'quorum' } }));
    await this.#applyPolicy(info);
    await this.ctx.meta.putQueue(info);
    return info;
  }

  /**
   * The policy: retention as message-ttl and, with a DLQ, the quorum queue's delivery limit and
   * an at-least-once dead-letter exchange. The limit is maxReceives - 1 because the broker
   * dead-letters when a message comes back more often than the limit: after its maxReceives-th
   * lease ends, by expiry or by the holder's connection closing.
   */
  async #applyPolicy(info: QueueInfo): Promise<void> {
    const definition: Record<string, unknown> = { 'message-ttl': info.retentionMs };
    if (info.deadLetter) {
      Object.assign(definition, {
        'delivery-limit': info.deadLetter.maxReceives - 1,
        'dead-letter-exchange': '',
        'dead-letter-routing-key': this.ctx.names.queue(info.deadLetter.queue),
        'dead-letter-strategy': 'at-least-once',
        overflow: 'reject-publish',
      });
    }
    await this.ctx.mgmt.putQueuePolicy(this.ctx.names.queue(info.name), this.ctx.names.queue(info.name), definition);
  }

  async updateQueue(name: string, changes: QueueOptions): Promise<QueueInfo> {
    const before = await requireQueue(this.ctx, name, true);
    if (changes.deadLetter) await requireQueue(this.ctx, changes.deadLetter.queue, true);
    const info: QueueInfo = { ...before, ...changes, fifo: before.fifo };
    await this.#applyPolicy(info);
    await this.ctx.meta.putQueue(info);
    return info;
  }

  async deleteQueue(name: string): Promise<boolean> {
    checkOpen(this.ctx);
    if (!(await this.ctx.meta.queue(name, true))) return false;
    const sources = await this.listDeadLetterSources(name);
    if (sources.length > 0) throw new QueueInUseError(name, `it is the dead-letter queue of ${sources.join(', ')}`);
    for (const topic of await this.ctx.meta.listTopics()) {
      const left = topic.subscriptions.filter((s) => s.queue !== name);
      if (left.length !== topic.subscriptions.length) await this.ctx.meta.putTopic({ ...topic, subscriptions: left });
    }
    await this.ctx.conn.withChannel((ch) => ch.deleteQueue(this.ctx.names.queue(name))).catch(() => undefined);
    await this.ctx.mgmt.deletePolicy(this.ctx.names.queue(name));
    await this.ctx.meta.deleteQueue(name);
    this.delays.forget(name);
    return true;
  }

  getQueue(name: string): Promise<QueueInfo> {
    return requireQueue(this.ctx, name, true);
  }

  listQueues(prefix?: string): Promise<QueueInfo[]> {
    checkOpen(this.ctx);
    return this.ctx.meta.listQueues(prefix);
  }

  async listDeadLetterSources(name: string): Promise<string[]> {
    return (await this.ctx.meta.listQueues()).filter((q) => q.deadLetter?.queue === name).map((q) => q.name);
  }

  async createTopic(name: string): Promise<TopicInfo> {
    checkOpen(this.ctx);
    const existing = await this.ctx.meta.topic(name);
    if (existing) return { name, createdAt: existing.createdAt };
    await this.ctx.conn.withChannel((ch) => ch.assertExchange(this.ctx.names.exchange(name), 'headers', { durable: true }));
    const topic: StoredTopic = { name, createdAt: Date.now(), subscriptions: [] };
    await this.ctx.meta.putTopic(topic);
    return { name, createdAt: topic.createdAt };
  }

  async deleteTopic(name: string): Promise<boolean> {
    checkOpen(this.ctx);
    if (!(await this.ctx.meta.topic(name))) return false;
    await this.ctx.conn.withChannel((ch) => ch.deleteExchange(this.ctx.names.exchange(name))).catch(() => undefined);
    await this.ctx.meta.deleteTopic(name);
    return true;
  }

  async listTopics(prefix?: string): Promise<TopicInfo[]> {
    checkOpen(this.ctx);
    return (await this.ctx.meta.listTopics(prefix)).map((t) => ({ name: t.name, createdAt: t.createdAt }));
  }

  async subscribe(topic: string, options: SubscriptionOptions): Promise<SubscriptionInfo> {
    checkOpen(this.ctx);
    const stored = await this.ctx.meta.topic(topic);
    if (!stored) throw new TopicNotFoundError(topic);
    await requireQueue(this.ctx, options.queue, true);
    const existing = stored.subscriptions.find((s) => s.queue === options.queue);
    if (existing) await this.#bind(topic, existing, 'unbind');
    const filter = options.filter ?? null;
    const sub: StoredSubscription = { id: existing?.id ?? randomUUID(), queue: options.queue, filter, createdAt: existing?.createdAt ?? Date.now(), native: bindingsFor(filter) !== undefined };
    await this.#bind(topic, sub, 'bind');
    await this.ctx.meta.putTopic({ ...stored, subscriptions: [...stored.subscriptions.filter((s) => s.queue !== options.queue), sub] });
    return toInfo(topic, sub);
  }

  async #bind(topic: string, sub: StoredSubscription, how: 'bind' | 'unbind'): Promise<void> {
    const bindings = bindingsFor(sub.filter);
    if (!bindings) return;
    const queue = this.ctx.names.queue(sub.queue);
    const exchange = this.ctx.names.exchange(topic);
    await this.ctx.conn.withChannel(async (ch) => {
      for (const args of bindings) await (how === 'bind' ? ch.bindQueue(queue, exchange, '', args) : ch.unbindQueue(queue, exchange, '', args));
    });
  }

  async unsubscribe(topic: string, subscriptionId: string): Promise<boolean> {
    checkOpen(this.ctx);
    const stored = await this.ctx.meta.topic(topic);
    const sub = stored?.subscriptions.find((s) => s.id === subscriptionId);
    if (!stored || !sub) return false;
    await this.#bind(topic, sub, 'unbind').catch(() => undefined);
    await this.ctx.meta.putTopic({ ...stored, subscriptions: stored.subscriptions.filter((s) => s.id !== subscriptionId) });
    return true;
  }

  async listSubscriptions(topic: string): Promise<SubscriptionInfo[]> {
    checkOpen(this.ctx);
    const stored = await this.ctx.meta.topic(topic);
    if (!stored) throw new TopicNotFoundError(topic);
    return stored.subscriptions.map((s) => toInfo(topic, s));
  }
}

function toInfo(topic: string, s: StoredSubscription): SubscriptionInfo {
  return { id: s.id, topic, queue: s.queue, filter: s.filter, createdAt: s.createdAt };
}

function sameSettings(existing: QueueInfo, options: Required<QueueOptions>): QueueInfo {
  const { name: _n, createdAt: _c, ...stored } = existing;
  const sorted = (o: object) => JSON.stringify(Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b))));
  if (sorted(stored) !== sorted(options)) throw new QueueAlreadyExistsError(existing.name, 'with other settings');
  return existing;
}

