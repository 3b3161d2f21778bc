import { ReadThroughCache, type FilterPolicy, type QueueInfo, type TopicInfo } from '@switchyard/core';
import type { Management } from './management.js';
import type { Names } from './names.js';

/** How long a cached queue setting may be served before it is read again (another process may change it). */
const cacheMs = 1_000;

export interface StoredSubscription {
  id: string;
  queue: string;
  filter: FilterPolicy | null;
  createdAt: number;
  /** Routed by exchange bindings (true) or copied by the engine (false). */
  native: boolean;
}

export interface StoredTopic extends TopicInfo {
  subscriptions: StoredSubscription[];
}

/**
 * Queue settings and topics (with their subscriptions) as RabbitMQ global parameters: kept in the
 * broker's own replicated metadata store, shared by every process. The management API has no
 * compare-and-set, so two processes changing the same topic's subscriptions at the same moment
 * can lose one change.
 */
export class Metadata {
  readonly #queues: ReadThroughCache<QueueInfo | undefined>;

  constructor(
    private readonly mgmt: Management,
    private readonly names: Names,
  ) {
    this.#queues = new ReadThroughCache((name) => this.mgmt.getGlobal<QueueInfo>(this.names.queueParameter(name)), cacheMs);
  }

  /**
   * The settings of a queue, from a read-through cache every operation uses (`fresh` reads the
   * broker): refreshed in the background past half its age, never served older than 1 s plus one read.
   */
  queue(name: string, fresh = false): Promise<QueueInfo | undefined> {
    return this.#queues.get(name, fresh);
  }

  async putQueue(info: QueueInfo): Promise<void> {
    await this.mgmt.putGlobal(this.names.queueParameter(info.name), info);
    this.#queues.set(info.name, info);
  }

  async deleteQueue(name: string): Promise<void> {
    await this.mgmt.deleteGlobal(this.names.queueParameter(name));
    this.#queues.set(name, undefined);
  }

  async listQueues(prefix = ''): Promise<QueueInfo[]> {
    const all = await this.mgmt.listGlobals<QueueInfo>(this.names.queueParameter(prefix));
    return all.map((p) => p.value);
  }

  topic(name: string): Promise<StoredTopic | undefined> {
    return this.mgmt.getGlobal<StoredTopic>(this.names.topicParameter(name));
  }

  putTopic(topic: StoredTopic): Promise<void> {
    return this.mgmt.putGlobal(this.names.topicParameter(topic.name), topic);
  }

  deleteTopic(name: string): Promise<void> {
    return this.mgmt.deleteGlobal(this.names.topicParameter(name));
  }

  async listTopics(prefix = ''): Promise<StoredTopic[]> {
    return (await this.mgmt.listGlobals<StoredTopic>(this.names.topicParameter(prefix))).map((p) => p.value);
  }
}
