import type {
  AdminEngine,
  EnqueueEntry,
  PublishResult,
  QueueInfo,
  QueueOptions,
  SubscriptionInfo,
  SubscriptionOptions,
  TopicEngine,
  TopicInfo,
} from '@switchyard/core';
import { prefixQuery, queuePath, topicPath, type RemoteContext } from './context.js';
import type { CallOptions } from './http.js';
import { entriesToJson } from './wire.js';

/** Queue, topic and subscription administration over the JSON API; the server validates again. */
export class RemoteAdmin implements AdminEngine {
  readonly #ctx: RemoteContext;

  constructor(ctx: RemoteContext) {
    this.#ctx = ctx;
  }

  createQueue(name: string, options: Required<QueueOptions>): Promise<QueueInfo> {
    return this.#call('PUT', queuePath(name), { body: options });
  }

  updateQueue(name: string, changes: QueueOptions): Promise<QueueInfo> {
    return this.#call('PATCH', queuePath(name), { body: changes });
  }

  async deleteQueue(name: string): Promise<boolean> {
    return (await this.#call<{ deleted: boolean }>('DELETE', queuePath(name))).deleted;
  }

  getQueue(name: string): Promise<QueueInfo> {
    return this.#call('GET', queuePath(name));
  }

  async listQueues(prefix?: string): Promise<QueueInfo[]> {
    return (await this.#call<{ queues: QueueInfo[] }>('GET', `/v1/queues${prefixQuery(prefix)}`)).queues;
  }

  async listDeadLetterSources(name: string): Promise<string[]> {
    return (await this.#call<{ queues: string[] }>('GET', queuePath(name, '/dead-letter-sources'))).queues;
  }

  createTopic(name: string): Promise<TopicInfo> {
    return this.#call('PUT', topicPath(name));
  }

  async deleteTopic(name: string): Promise<boolean> {
    return (await this.#call<{ deleted: boolean }>('DELETE', topicPath(name))).deleted;
  }

  async listTopics(prefix?: string): Promise<TopicInfo[]> {
    return (await this.#call<{ topics: TopicInfo[] }>('GET', `/v1/topics${prefixQuery(prefix)}`)).topics;
  }

  subscribe(topic: string, options: SubscriptionOptions): Promise<SubscriptionInfo> {
    return this.#call('POST', topicPath(topic, '/subscriptions'), { body: { queue: options.queue, filter: options.filter ?? null } });
  }

  async unsubscribe(topic: string, subscriptionId: string): Promise<boolean> {
    return (await this.#call<{ deleted: boolean }>('DELETE', topicPath(topic, `/subscriptions/${encodeURIComponent(subscriptionId)}`))).deleted;
  }

  async listSubscriptions(topic: string): Promise<SubscriptionInfo[]> {
    return (await this.#call<{ subscriptions: SubscriptionInfo[] }>('GET', topicPath(topic, '/subscriptions'))).subscriptions;
  }

  #call<T>(method: string, path: string, options?: CallOptions): Promise<T> {
    this.#ctx.life.checkOpen();
    return this.#ctx.http.call<T>(method, path, options);
  }
}

/** Publishing: the server fans out to the matching subscriptions in one transaction. */
export class RemoteTopics implements TopicEngine {
  readonly #ctx: RemoteContext;

  constructor(ctx: RemoteContext) {
    this.#ctx = ctx;
  }

  async publish(topic: string, entries: readonly EnqueueEntry[]): Promise<PublishResult[]> {
    this.#ctx.life.checkOpen();
    return (await this.#ctx.http.call<{ results: PublishResult[] }>('POST', topicPath(topic, '/messages'), { json: entriesToJson(entries) })).results;
  }
}
