import { AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import {
  QueueAlreadyExistsError,
  QueueInUseError,
  QueueNotFoundError,
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
import { ackWaitMs, checkOpen, requireQueue, type Context } from './context.js';
import { delaysUnsupported, natsFeatures } from './features.js';

const ns = (ms: number) => ms * 1_000_000;
/** JetStream's deduplication window for `Nats-Msg-Id`: long enough for a producer's retries. */
const duplicateWindowMs = 2 * 60_000;

/**
 * Queues are work-queue streams (file storage, max_age = retention) with one durable pull
 * consumer (AckWait = visibility timeout, MaxDeliver = maxReceives + 1); settings, topics and
 * subscriptions live in the KV bucket.
 */
export class NatsAdmin implements AdminEngine {
  constructor(private readonly ctx: Context) {}

  async createQueue(name: string, options: Required<QueueOptions>): Promise<QueueInfo> {
    checkOpen(this.ctx);
    if (options.fifo) throw new UnsupportedError('fifo', natsFeatures.fifo.supported ? '' : natsFeatures.fifo.reason);
    if (options.delayMs > 0) throw new UnsupportedError('delays', delaysUnsupported);
    const existing = await this.ctx.meta.queue(name, true);
    if (existing) return sameSettings(existing, options);
    await this.#checkDeadLetter(options.deadLetter?.queue);
    const info: QueueInfo = { name, ...options, createdAt: Date.now() };
    await this.ctx.jsm.streams.add({
      name: this.ctx.names.stream(name),
      subjects: [this.ctx.names.subject(name)],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: ns(options.retentionMs),
      duplicate_window: ns(Math.min(duplicateWindowMs, options.retentionMs)),
      num_replicas: 1,
    });
    await this.ctx.jsm.consumers.add(this.ctx.names.stream(name), this.#consumer(info));
    if (await this.ctx.meta.createQueue(info)) return info;
    // Another process created it at the same time: theirs stands.
    return sameSettings(await requireQueue(this.ctx, name, true), options);
  }

  #consumer(info: QueueInfo) {
    return {
      durable_name: this.ctx.names.consumer,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: ns(ackWaitMs(info)),
      // One delivery past maxReceives reaches a client, which moves the message to the DLQ.
      max_deliver: info.deadLetter ? info.deadLetter.maxReceives + 1 : -1,
      max_ack_pending: 1_000_000,
      max_waiting: 4096,
    };
  }

  async #checkDeadLetter(dlq: string | undefined): Promise<void> {
    if (dlq === undefined) return;
    if (!(await this.ctx.meta.queue(dlq, true))) throw new QueueNotFoundError(dlq);
  }

  async updateQueue(name: string, changes: QueueOptions): Promise<QueueInfo> {
    const before = await requireQueue(this.ctx, name, true);
    if ((changes.delayMs ?? 0) > 0) throw new UnsupportedError('delays', delaysUnsupported);
    if (changes.deadLetter) await this.#checkDeadLetter(changes.deadLetter.queue);
    const info: QueueInfo = { ...before, ...changes, fifo: before.fifo };
    const stream = this.ctx.names.stream(name);
    if (info.retentionMs !== before.retentionMs) {
      const si = await this.ctx.jsm.streams.info(stream);
      await this.ctx.jsm.streams.update(stream, { ...si.config, max_age: ns(info.retentionMs), duplicate_window: ns(Math.min(duplicateWindowMs, info.retentionMs)) });
    }
    const { durable_name: _, ...consumer } = this.#consumer(info);
    await this.ctx.jsm.consumers.update(stream, this.ctx.names.consumer, consumer);
    await this.ctx.meta.putQueue(info);
    return info;
  }

  async deleteQueue(name: string): Promise<boolean> {
    checkOpen(this.ctx);
    if (!(await this.ctx.meta.queue(name, true))) return false;
    const sources = await this.listDeadLetterSources(name);
    if (sources.length > 0) throw new QueueInUseError(name, `it is the dead-letter queue of ${sources.join(', ')}`);
    await this.ctx.jsm.streams.delete(this.ctx.names.stream(name)).catch(() => false);
    await this.ctx.meta.deleteSubscriptionsOf(name);
    await this.ctx.meta.deleteQueue(name);
    this.ctx.released.delete(name);
    this.ctx.acked.forget(name);
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

  createTopic(name: string): Promise<TopicInfo> {
    checkOpen(this.ctx);
    return this.ctx.meta.createTopic({ name, createdAt: Date.now() });
  }

  async deleteTopic(name: string): Promise<boolean> {
    checkOpen(this.ctx);
    if (!(await this.ctx.meta.topic(name))) return false;
    await this.ctx.meta.deleteTopic(name);
    return true;
  }

  listTopics(prefix?: string): Promise<TopicInfo[]> {
    checkOpen(this.ctx);
    return this.ctx.meta.listTopics(prefix);
  }

  async subscribe(topic: string, options: SubscriptionOptions): Promise<SubscriptionInfo> {
    checkOpen(this.ctx);
    if (!(await this.ctx.meta.topic(topic))) throw new TopicNotFoundError(topic);
    await requireQueue(this.ctx, options.queue, true);
    const existing = (await this.ctx.meta.subscriptions(topic)).find((s) => s.queue === options.queue);
    const sub = { id: existing?.id ?? randomUUID(), queue: options.queue, filter: options.filter ?? null, createdAt: existing?.createdAt ?? Date.now() };
    await this.ctx.meta.putSubscription(topic, sub);
    return { ...sub, topic };
  }

  async unsubscribe(topic: string, subscriptionId: string): Promise<boolean> {
    checkOpen(this.ctx);
    const sub = (await this.ctx.meta.subscriptions(topic)).find((s) => s.id === subscriptionId);
    if (!sub) return false;
    await this.ctx.meta.deleteSubscription(topic, sub.queue);
    return true;
  }

  async listSubscriptions(topic: string): Promise<SubscriptionInfo[]> {
    checkOpen(this.ctx);
    if (!(await this.ctx.meta.topic(topic))) throw new TopicNotFoundError(topic);
    return this.ctx.meta.subscriptions(topic);
  }
}

function sameSettings(existing: QueueInfo, options: Required<QueueOptions>): QueueInfo {
  const { name: _n, createdAt: _c, ...stored } = existing;
  if (JSON.stringify(sortKeys(stored)) !== JSON.stringify(sortKeys(options))) {
    throw new QueueAlreadyExistsError(existing.name, 'with other settings');
  }
  return existing;
}

function sortKeys(o: object): object {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

