import { randomUUID } from 'node:crypto';
import {
  QueueNotFoundError,
  TopicNotFoundError,
  type AdminEngine,
  type FilterPolicy,
  type QueueInfo,
  type SubscriptionInfo,
  type TopicInfo,
} from '@switchyard/core';
import { toQueueInfo } from './codec.js';
import type { Connection } from './connection.js';

/** Queue and topic definitions. Multi-key changes are scripts; single-key reads are plain commands. */
export function adminEngine(conn: Connection, prefix: string, now: () => number, guard: <T>(p: () => Promise<T>) => Promise<T>): AdminEngine {
  const P = `{${prefix}}`;
  const { redis, scripts } = conn;
  const getQueue = async (name: string): Promise<QueueInfo> => {
    const h = await redis.hgetall(`${P}:q:${name}`);
    if (!h.name) throw new QueueNotFoundError(name);
    return toQueueInfo(h);
  };
  const listQueues = async (prefixFilter?: string): Promise<QueueInfo[]> => {
    const names = (await redis.hkeys(`${P}:queues`)).filter((n) => prefixFilter === undefined || n.startsWith(prefixFilter)).sort();
    const infos = await Promise.all(names.map((n) => redis.hgetall(`${P}:q:${n}`)));
    return infos.filter((h) => h.name).map(toQueueInfo);
  };
  const listSubscriptions = async (topic: string): Promise<SubscriptionInfo[]> => {
    if ((await redis.hexists(`${P}:topics`, topic)) === 0) throw new TopicNotFoundError(topic);
    const flat = await redis.hgetall(`${P}:t:${topic}:subs`);
    return Object.values(flat)
      .map((text) => parseSubscription(topic, text))
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  };
  return {
    createQueue: (name, o) =>
      guard(async () => {
        const dl = o.deadLetter;
        await scripts.run('syCreateQueue', name, o.fifo ? '1' : '0', o.visibilityTimeoutMs, o.delayMs, o.retentionMs, dl?.queue ?? '', dl?.maxReceives ?? '', o.dedupWindowMs);
        return getQueue(name);
      }),
    updateQueue: (name, c) =>
      guard(async () => {
        const pairs: (string | number)[] = [];
        if (c.visibilityTimeoutMs !== undefined) pairs.push('visibilityMs', c.visibilityTimeoutMs);
        if (c.delayMs !== undefined) pairs.push('delayMs', c.delayMs);
        if (c.retentionMs !== undefined) pairs.push('ret', c.retentionMs);
        if (c.dedupWindowMs !== undefined) pairs.push('dedupWindowMs', c.dedupWindowMs);
        if (c.deadLetter !== undefined) pairs.push('dlq', c.deadLetter?.queue ?? '', 'maxReceives', c.deadLetter?.maxReceives ?? '');
        await scripts.run('syUpdateQueue', name, ...pairs);
        return getQueue(name);
      }),
    deleteQueue: (name) => guard(async () => (await scripts.run('syDeleteQueue', name)) === 1),
    getQueue: (name) => guard(() => getQueue(name)),
    listQueues: (p) => guard(() => listQueues(p)),
    listDeadLetterSources: (name) =>
      guard(async () => {
        await getQueue(name);
        return (await listQueues()).filter((q) => q.deadLetter?.queue === name).map((q) => q.name);
      }),
    createTopic: (name) =>
      guard(async () => {
        await redis.hsetnx(`${P}:topics`, name, now());
        return { name, createdAt: Number(await redis.hget(`${P}:topics`, name)) };
      }),
    deleteTopic: (name) => guard(async () => (await scripts.run('syDeleteTopic', name)) === 1),
    listTopics: (p) =>
      guard(async (): Promise<TopicInfo[]> => {
        const all = await redis.hgetall(`${P}:topics`);
        return Object.entries(all)
          .filter(([n]) => p === undefined || n.startsWith(p))
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([n, at]) => ({ name: n, createdAt: Number(at) }));
      }),
    subscribe: (topic, o) =>
      guard(async () => {
        const text = await scripts.run('sySubscribe', topic, o.queue, o.filter ? JSON.stringify(o.filter) : '', `sub-${randomUUID()}`);
        return parseSubscription(topic, String(text));
      }),
    unsubscribe: (topic, id) => guard(async () => (await scripts.run('syUnsubscribe', topic, id)) === 1),
    listSubscriptions: (topic) => guard(() => listSubscriptions(topic)),
  };
}

/** A subscription as stored: `{"id","createdAt","queue"}` JSON, a newline, the filter's JSON ('' for none). */
export function parseSubscription(topic: string, text: string): SubscriptionInfo {
  const nl = text.indexOf('\n');
  const head = JSON.parse(text.slice(0, nl)) as { id: string; createdAt: number; queue: string };
  const filter = text.slice(nl + 1);
  return { id: head.id, topic, queue: head.queue, filter: filter === '' ? null : (JSON.parse(filter) as FilterPolicy), createdAt: head.createdAt };
}
