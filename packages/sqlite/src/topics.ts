import { randomUUID } from 'node:crypto';
import {
  compileFilterPolicy,
  TopicNotFoundError,
  type EnqueueEntry,
  type FilterPolicy,
  type HeaderMatcher,
  type PublishResult,
  type SubscriptionInfo,
  type SubscriptionOptions,
  type TopicInfo,
} from '@switchyard/core';
import type { Tx } from './batcher.js';
import { insertEntry } from './enqueue.js';
import type { QueueRow } from './rows.js';
import type { Store } from './store.js';

interface TopicRow {
  id: number;
  name: string;
  created_at: number;
}

interface SubscriptionRow {
  id: string;
  topic_id: number;
  queue_id: number;
  queue_name: string;
  filter: string | null;
  created_at: number;
}

const subscriptionSelect = `SELECT s.*, q.name AS queue_name FROM subscriptions s JOIN queues q ON q.id = s.queue_id`;

function requireTopic(store: Store, name: string): TopicRow {
  const t = store.sql('SELECT * FROM topics WHERE name = ?').get(name) as TopicRow | undefined;
  if (!t) throw new TopicNotFoundError(name);
  return t;
}

function toTopicInfo(t: TopicRow): TopicInfo {
  return { name: t.name, createdAt: t.created_at };
}

function toSubscriptionInfo(topic: string, s: SubscriptionRow): SubscriptionInfo {
  return { id: s.id, topic, queue: s.queue_name, filter: s.filter === null ? null : (JSON.parse(s.filter) as FilterPolicy), createdAt: s.created_at };
}

export function createTopic(store: Store, tx: Tx, name: string): TopicInfo {
  store.sql('INSERT INTO topics (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(name, tx.now);
  return toTopicInfo(requireTopic(store, name));
}

export function deleteTopic(store: Store, name: string): boolean {
  const t = store.sql('SELECT * FROM topics WHERE name = ?').get(name) as TopicRow | undefined;
  if (!t) return false;
  store.sql('DELETE FROM subscriptions WHERE topic_id = ?').run(t.id);
  store.sql('DELETE FROM topics WHERE id = ?').run(t.id);
  return true;
}

export function listTopics(store: Store, prefix: string | undefined): TopicInfo[] {
  const rows = store.sql('SELECT * FROM topics ORDER BY name').all() as TopicRow[];
  return rows.filter((t) => prefix === undefined || t.name.startsWith(prefix)).map(toTopicInfo);
}

export function subscribe(store: Store, tx: Tx, topic: string, options: SubscriptionOptions): SubscriptionInfo {
  const t = requireTopic(store, topic);
  const q = store.requireQueue(options.queue);
  const filter = options.filter ? JSON.stringify(options.filter) : null;
  store
    .sql(
      `INSERT INTO subscriptions (id, topic_id, queue_id, filter, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (topic_id, queue_id) DO UPDATE SET filter = excluded.filter`,
    )
    .run(`sub-${randomUUID()}`, t.id, q.id, filter, tx.now);
  const row = store.sql(`${subscriptionSelect} WHERE s.topic_id = ? AND s.queue_id = ?`).get(t.id, q.id) as SubscriptionRow;
  return toSubscriptionInfo(topic, row);
}

export function unsubscribe(store: Store, topic: string, id: string): boolean {
  const t = requireTopic(store, topic);
  return store.sql('DELETE FROM subscriptions WHERE topic_id = ? AND id = ?').run(t.id, id).changes > 0;
}

export function listSubscriptions(store: Store, topic: string): SubscriptionInfo[] {
  const t = requireTopic(store, topic);
  const rows = store.sql(`${subscriptionSelect} WHERE s.topic_id = ? ORDER BY s.created_at, s.id`).all(t.id) as SubscriptionRow[];
  return rows.map((r) => toSubscriptionInfo(topic, r));
}

/** Compiled filters, by their JSON text (shared by every subscription with the same filter). */
const matchers = new Map<string, HeaderMatcher>();

function matcherFor(filter: string | null): HeaderMatcher {
  if (filter === null) return () => true;
  let m = matchers.get(filter);
  if (!m) {
    if (matchers.size > 10_000) matchers.clear();
    matchers.set(filter, (m = compileFilterPolicy(JSON.parse(filter))));
  }
  return m;
}

/** Fans each message out to every subscribed queue whose filter matches, in this transaction. */
export function publish(store: Store, tx: Tx, topic: string, entries: readonly EnqueueEntry[]): PublishResult[] {
  const t = requireTopic(store, topic);
  const subs = store.sql(`${subscriptionSelect} WHERE s.topic_id = ?`).all(t.id) as SubscriptionRow[];
  const targets = subs.map((s) => ({ queue: store.queueById(s.queue_id) as QueueRow, matches: matcherFor(s.filter), ready: 0 }));
  const results = entries.map((e) => {
    let deliveredTo = 0;
    for (const target of targets) {
      if (!target.matches(e.headers)) continue;
      const stored = insertEntry(store, tx, target.queue, e);
      if (stored.result.duplicate) continue;
      deliveredTo++;
      if (stored.ready) target.ready++;
    }
    return { id: e.id, deliveredTo };
  });
  for (const target of targets) if (target.ready > 0) store.announce(tx, target.queue.id, target.ready);
  return results;
}
