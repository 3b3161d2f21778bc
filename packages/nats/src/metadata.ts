import type { KV } from '@nats-io/kv';
import { ReadThroughCache, type FilterPolicy, type QueueInfo, type SubscriptionInfo, type TopicInfo } from '@switchyard/core';

/** How long a cached queue setting may be served before it is read again (another process may change it). */
const cacheMs = 1_000;

export interface StoredSubscription {
  id: string;
  queue: string;
  filter: FilterPolicy | null;
  createdAt: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const json = (v: unknown) => encoder.encode(JSON.stringify(v));

/**
 * Queue settings, topics, subscriptions and counters in a JetStream KV bucket: replicated and
 * durable like the messages, shared by every process on the same server. Keys: `q.<queue>`,
 * `t.<topic>`, `s.<topic>.<queue>`, `n.<queue>.dead-lettered`.
 */
export class Metadata {
  readonly #kv: KV;
  readonly #queues: ReadThroughCache<QueueInfo | undefined>;

  constructor(kv: KV) {
    this.#kv = kv;
    this.#queues = new ReadThroughCache(async (name) => (await this.#get<QueueInfo>(`q.${name}`))?.value, cacheMs);
  }

  async #get<T>(key: string): Promise<{ value: T; revision: number } | undefined> {
    const e = await this.#kv.get(key);
    if (!e || e.operation !== 'PUT' || e.value.length === 0) return undefined;
    return { value: JSON.parse(decoder.decode(e.value)) as T, revision: e.revision };
  }

  async #keys(filter: string): Promise<string[]> {
    const out: string[] = [];
    for await (const k of await this.#kv.keys(filter)) out.push(k);
    return out.sort();
  }

  /**
   * The settings of a queue, from a read-through cache every operation uses (`fresh` reads the
   * broker): refreshed in the background past half its age, never served older than 1 s plus one read.
   */
  queue(name: string, fresh = false): Promise<QueueInfo | undefined> {
    return this.#queues.get(name, fresh);
  }

  /** Stores new settings; false when another process created the queue first. */
  async createQueue(info: QueueInfo): Promise<boolean> {
    try {
      await this.#kv.create(`q.${info.name}`, json(info));
    } catch {
      this.#queues.forget(info.name);
      return false;
    }
    this.#queues.set(info.name, info);
    return true;
  }

  async putQueue(info: QueueInfo): Promise<void> {
    await this.#kv.put(`q.${info.name}`, json(info));
    this.#queues.set(info.name, info);
  }

  async deleteQueue(name: string): Promise<void> {
    await this.#kv.purge(`q.${name}`);
    await this.#kv.purge(`n.${name}.dead-lettered`).catch(() => undefined);
    this.#queues.set(name, undefined);
  }

  async listQueues(prefix = ''): Promise<QueueInfo[]> {
    const out: QueueInfo[] = [];
    for (const key of await this.#keys('q.*')) {
      const name = key.slice(2);
      if (!name.startsWith(prefix)) continue;
      const info = await this.queue(name, true);
      if (info) out.push(info);
    }
    return out;
  }

  async topic(name: string): Promise<TopicInfo | undefined> {
    return (await this.#get<TopicInfo>(`t.${name}`))?.value;
  }

  async createTopic(info: TopicInfo): Promise<TopicInfo> {
    try {
      await this.#kv.create(`t.${info.name}`, json(info));
      return info;
    } catch {
      return (await this.topic(info.name)) ?? info;
    }
  }

  async deleteTopic(name: string): Promise<void> {
    for (const key of await this.#keys(`s.${name}.*`)) await this.#kv.purge(key);
    await this.#kv.purge(`t.${name}`);
  }

  async listTopics(prefix = ''): Promise<TopicInfo[]> {
    const out: TopicInfo[] = [];
    for (const key of await this.#keys('t.*')) {
      if (!key.slice(2).startsWith(prefix)) continue;
      const t = await this.topic(key.slice(2));
      if (t) out.push(t);
    }
    return out;
  }

  async subscriptions(topic: string): Promise<SubscriptionInfo[]> {
    const out: SubscriptionInfo[] = [];
    for (const key of await this.#keys(`s.${topic}.*`)) {
      const s = (await this.#get<StoredSubscription>(key))?.value;
      if (s) out.push({ ...s, topic });
    }
    return out.sort((a, b) => a.createdAt - b.createdAt || a.queue.localeCompare(b.queue));
  }

  async putSubscription(topic: string, s: StoredSubscription): Promise<void> {
    await this.#kv.put(`s.${topic}.${s.queue}`, json(s));
  }

  async deleteSubscription(topic: string, queue: string): Promise<void> {
    await this.#kv.purge(`s.${topic}.${queue}`);
  }

  /** Removes every subscription of `queue`, on any topic. */
  async deleteSubscriptionsOf(queue: string): Promise<void> {
    for (const key of await this.#keys(`s.*.${queue}`)) await this.#kv.purge(key);
  }

  async deadLettered(queue: string): Promise<number> {
    return (await this.#get<number>(`n.${queue}.dead-lettered`))?.value ?? 0;
  }

  /** Adds to the dead-letter count with compare-and-set, so concurrent processes never lose an increment. */
  async countDeadLettered(queue: string, n = 1): Promise<void> {
    const key = `n.${queue}.dead-lettered`;
    for (;;) {
      const cur = await this.#get<number>(key);
      try {
        if (cur) await this.#kv.update(key, json(cur.value + n), cur.revision);
        else await this.#kv.create(key, json(n));
        return;
      } catch {
        // Another process moved the counter first: read it again.
      }
    }
  }
}
