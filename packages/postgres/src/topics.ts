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
import type { Tx } from './db.js';
import { insertEntries } from './enqueue.js';
import { queueById, requireQueue, type QueueRow } from './rows.js';

interface TopicRow {
  id: number;
  name: string;
  created_at: number;
}

interface SubscriptionRow {
  id: string;
  queue_id: number;
  queue_name: string;
  filter: string | null;
  created_at: number;
}

const subscriptionSelect = 'SELECT s.*, q.name AS queue_name FROM subscriptions s JOIN queues q ON q.id = s.queue_id';

/** Reads the topic; `lock` takes a share lock so it cannot be deleted before the transaction ends. */
async function requireTopic(tx: Tx, name: string, lock = false): Promise<TopicRow> {
  const [t] = await tx.query<TopicRow>(`SELECT * FROM topics WHERE name = $1${lock ? ' FOR SHARE' : ''}`, [name]);
  if (!t) throw new TopicNotFoundError(name);
  return t;
}

function toSubscriptionInfo(topic: string, s: SubscriptionRow): SubscriptionInfo {
  return { id: s.id, topic, queue: s.queue_name, filter: s.filter === null ? null : (JSON.parse(s.filter) as FilterPolicy), createdAt: s.created_at };
}

export async function createTopic(tx: Tx, name: string): Promise<TopicInfo> {
  await tx.query('INSERT INTO topics (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, tx.now]);
  const t = await requireTopic(tx, name);
  return { name: t.name, createdAt: t.created_at };
}

export async function deleteTopic(tx: Tx, name: string): Promise<boolean> {
  const [t] = await tx.query<TopicRow>('DELETE FROM topics WHERE name = $1 RETURNING *', [name]);
  if (!t) return false;
  await tx.query('DELETE FROM subscriptions WHERE topic_id = $1', [t.id]);
  return true;
}

export async function listTopics(tx: Tx, prefix: string | undefined): Promise<TopicInfo[]> {
  const rows = await tx.query<TopicRow>('SELECT * FROM topics ORDER BY name');
  return rows.filter((t) => prefix === undefined || t.name.startsWith(prefix)).map((t) => ({ name: t.name, createdAt: t.created_at }));
}

export async function subscribe(tx: Tx, topic: string, options: SubscriptionOptions): Promise<SubscriptionInfo> {
  const t = await requireTopic(tx, topic, true);
  const q = await requireQueue(tx, options.queue);
  const filter = options.filter ? JSON.stringify(options.filter) : null;
  await tx.query(
    `INSERT INTO subscriptions (id, topic_id, queue_id, filter, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (topic_id, queue_id) DO UPDATE SET filter = excluded.filter`,
    [`sub-${randomUUID()}`, t.id, q.id, filter, tx.now],
  );
  const [row] = await tx.query<SubscriptionRow>(`${subscriptionSelect} WHERE s.topic_id = $1 AND s.queue_id = $2`, [t.id, q.id]);
  return toSubscriptionInfo(topic, row as SubscriptionRow);
}

export async function unsubscribe(tx: Tx, topic: string, id: string): Promise<boolean> {
  const t = await requireTopic(tx, topic);
  return (await tx.query('DELETE FROM subscriptions WHERE topic_id = $1 AND id = $2 RETURNING 1', [t.id, id])).length > 0;
}

export async function listSubscriptions(tx: Tx, topic: string): Promise<SubscriptionInfo[]> {
  const t = await requireTopic(tx, topic);
  const rows = await tx.query<SubscriptionRow>(`${subscriptionSelect} WHERE s.topic_id = $1 ORDER BY s.created_at, s.id`, [t.id]);
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

/**
 * Fans each message out to every subscribed queue whose filter matches, in this transaction:
 * the subscriptions are read and the copies written in one transaction, so a publish sees a
 * subscription set that no concurrent change can split.
 */
export async function publish(tx: Tx, topic: string, entries: readonly EnqueueEntry[]): Promise<PublishResult[]> {
  const t = await requireTopic(tx, topic, true);
  const subs = await tx.query<SubscriptionRow>(`${subscriptionSelect} WHERE s.topic_id = $1 FOR SHARE OF s, q`, [t.id]);
  const results = entries.map((e) => ({ id: e.id, deliveredTo: 0 }));
  for (const s of subs) {
    const matches = matcherFor(s.filter);
    const picked = entries.map((e, i) => [e, i] as const).filter(([e]) => matches(e.headers));
    if (picked.length === 0) continue;
    const queue = (await queueById(tx, s.queue_id)) as QueueRow;
    const stored = await insertEntries(tx, queue, picked.map(([e]) => e));
    let n = 0;
    stored.forEach((r, k) => {
      if (r.duplicate) return;
      n++;
      (results[(picked[k] as readonly [EnqueueEntry, number])[1]] as PublishResult).deliveredTo++;
    });
    if (n > 0) tx.announce(queue.name, n);
  }
  return results;
}
