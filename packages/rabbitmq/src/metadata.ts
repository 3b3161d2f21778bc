import type { FilterPolicy, QueueInfo, TopicInfo } from '@switchyard/core';
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
  readonly #queues = new Map<string, { info: QueueInfo | undefined; at: number }>();
  /** Reads under way, shared by callers that accept a cached value. */
  readonly #reading = new Map<string, Promise<QueueInfo | undefined>>();
  /** Bumped by every write here, so a read that began before it does not overwrite it. */
  #writes = 0;

  constructor(
    private readonly mgmt: Management,
    private readonly names: Names,
  ) {}

  /**
   * The settings of a queue, from a cache that every operation reads (`fresh` reads the broker).
   * Past half its age an entry is read again in the background while it is still served; past
   * `cacheMs` callers wait for that read, and concurrent callers share it. So a busy queue never
   * stalls on its settings, and none is served older than `cacheMs` plus one read.
   */
  async queue(name: string, fresh = false): Promise<QueueInfo | undefined> {
    const hit = this.#queues.get(name);
    if (fresh) return this.#read(name);
    const age = hit ? Date.now() - hit.at : Infinity;
    if (hit && age < cacheMs / 2) return hit.info;
    let reading = this.#reading.get(name);
    if (!reading) {
      reading = this.#read(name);
      this.#reading.set(name, reading);
      const done = () => this.#reading.get(name) === reading && this.#reading.delete(name);
      reading.then(done, done);
    }
    if (hit && age < cacheMs) {
      reading.catch(() => undefined);
      return hit.info;
    }
    return reading;
  }

  async #read(name: string): Promise<QueueInfo | undefined> {
    const writes = this.#writes;
    const info = await this.mgmt.getGlobal<QueueInfo>(this.names.queueParameter(name));
    if (writes === this.#writes) this.#queues.set(name, { info, at: Date.now() });
    return info;
  }

  async putQueue(info: QueueInfo): Promise<void> {
    await this.mgmt.putGlobal(this.names.queueParameter(info.name), info);
    this.#writes++;
    this.#queues.set(info.name, { info, at: Date.now() });
  }

  async deleteQueue(name: string): Promise<void> {
    await this.mgmt.deleteGlobal(this.names.queueParameter(name));
    this.#writes++;
    this.#queues.set(name, { info: undefined, at: Date.now() });
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
