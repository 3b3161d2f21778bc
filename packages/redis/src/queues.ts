import {
  compileFilterPolicy,
  InvalidArgumentError,
  TopicNotFoundError,
  type Delivery,
  type EncodedBody,
  type EnqueueEntry,
  type EnqueueResult,
  type HeaderMatcher,
  type LeaseRequest,
  type MessageState,
  type PeekPage,
  type PeekRequest,
  type PublishResult,
  type QueueStats,
} from '@switchyard/core';
import { parseSubscription } from './admin.js';
import { entryArgs, isFifoName, toDelivery, toMessage } from './codec.js';
import type { Connection } from './connection.js';
import { newLeaseToken } from './receipt.js';

const BLOCKED = Number.MAX_SAFE_INTEGER;

export interface LeaseOutcome {
  deliveries: Delivery<EncodedBody>[];
  nextVisibleAt: number;
}

/** An insert block (lua/insert.ts): the entries, each stored in its list of queues. */
export function insertArgs(entries: readonly EnqueueEntry[], targets: readonly (readonly string[])[]): (string | number | Buffer)[] {
  const args: (string | number | Buffer)[] = [entries.length];
  entries.forEach((e, i) => args.push(...entryArgs(e, (targets[i] as readonly string[]).some(isFifoName))));
  for (const list of targets) args.push(list.length, ...list);
  return args;
}

export async function enqueue(conn: Connection, queue: string, entries: readonly EnqueueEntry[]): Promise<EnqueueResult[]> {
  const out = (await conn.scripts.run('syInsert', ...insertArgs(entries, entries.map(() => [queue])))) as [number, string, number][];
  return out.map(([, id, dup]) => ({ id, duplicate: dup === 1 }));
}

const matchers = new Map<string, HeaderMatcher>();
function matcherFor(filter: unknown): HeaderMatcher {
  if (filter === null) return () => true;
  const text = JSON.stringify(filter);
  let m = matchers.get(text);
  if (!m) {
    if (matchers.size > 10_000) matchers.clear();
    matchers.set(text, (m = compileFilterPolicy(filter as Parameters<typeof compileFilterPolicy>[0])));
  }
  return m;
}

/** Where a topic's entries go, matched against subscriptions read at `version`. */
export interface Fanout {
  exists: boolean;
  /** The subscription version the targets were matched at (one counter for every topic). */
  version: string;
  /** Per entry, the queues whose subscription filters match it. */
  targets: string[][];
}

/** Reads a topic's subscriptions and matches each entry's headers with the core filter policies. */
export async function fanout(conn: Connection, topic: string, entries: readonly EnqueueEntry[]): Promise<Fanout> {
  const [exists, version, flat] = (await conn.scripts.run('syReadSubscriptions', topic)) as [number, string, string[]];
  const subs: { queue: string; matches: HeaderMatcher }[] = [];
  for (let i = 1; i < flat.length; i += 2) {
    const s = parseSubscription(topic, flat[i] as string);
    subs.push({ queue: s.queue, matches: matcherFor(s.filter) });
  }
  return { exists: exists === 1, version, targets: entries.map((e) => subs.filter((s) => s.matches(e.headers)).map((s) => s.queue)) };
}

/**
 * Publishes: reads the subscriptions with their version, matches filters here (the core filter
 * policies), then stores every copy in one script that first checks the version is unchanged —
 * so the fan-out is atomic with the publish and consistent with one subscription set. A
 * concurrent subscription change makes the script refuse and the publish retry.
 */
export async function publish(conn: Connection, topic: string, entries: readonly EnqueueEntry[]): Promise<PublishResult[]> {
  for (;;) {
    const { exists, version, targets } = await fanout(conn, topic, entries);
    if (!exists) throw new TopicNotFoundError(topic);
    const out = await conn.scripts.run('syPublish', ...insertArgs(entries, targets), version);
    if (out === -1) continue;
    return (out as [number][]).map(([stored], i) => ({ id: (entries[i] as EnqueueEntry).id, deliveredTo: stored }));
  }
}

export async function lease(conn: Connection, queue: string, request: LeaseRequest): Promise<LeaseOutcome> {
  const token = newLeaseToken();
  const [next, queueId, rows] = (await conn.scripts.runBuffers('syLease', queue, request.max, request.visibilityMs ?? '', token)) as [Buffer | number, Buffer, Buffer[][]];
  const deliveries = rows.map((row) => toDelivery(queue, queueId.toString(), token, row));
  deliveries.sort((a, b) => (a.receipt.length - b.receipt.length) || (a.receipt < b.receipt ? -1 : 1));
  const nextAt = typeof next === 'number' ? next : Number(next.toString());
  return { deliveries, nextVisibleAt: nextAt < 0 ? Number.POSITIVE_INFINITY : nextAt };
}

export async function stats(conn: Connection, queue: string, now: number): Promise<QueueStats> {
  const [ready, leased, delayed, blocked, oldest, deadLettered, expired] = (await conn.scripts.run('syStats', queue)) as number[];
  return {
    ready: ready ?? 0,
    leased: leased ?? 0,
    delayed: delayed ?? 0,
    blocked: blocked ?? 0,
    oldestAgeMs: oldest === undefined || oldest < 0 ? 0 : Math.max(0, now - oldest),
    deadLettered: deadLettered ?? 0,
    expired: expired ?? 0,
  };
}

/** Browses in delivery order; the cursor is `visible_at:seq`. */
export async function peek(conn: Connection, queue: string, request: PeekRequest, now: number): Promise<PeekPage> {
  let after: [string, string] = ['', ''];
  if (request.cursor !== undefined) {
    const m = /^(\d{1,16}):(\d{16})$/.exec(request.cursor);
    if (!m) throw new InvalidArgumentError('cursor', 'is not a cursor from an earlier peek');
    after = [m[1] as string, m[2] as string];
  }
  const rows = (await conn.scripts.runBuffers('syPeek', queue, request.max + 1, ...after)) as Buffer[][];
  const more = rows.length > request.max;
  if (more) rows.pop();
  const messages = rows.map((r) => {
    const visibleAt = Number((r[0] as Buffer).toString());
    const leased = (r[13] as Buffer).length > 0;
    const state: MessageState = visibleAt === BLOCKED ? 'blocked' : visibleAt <= now ? 'ready' : leased ? 'leased' : 'delayed';
    return {
      ...toMessage(r.slice(2, 11)),
      queue,
      state,
      receives: Number((r[12] as Buffer).toString()),
      enqueuedAt: Number((r[11] as Buffer).toString()),
      ...(state === 'blocked' ? {} : { visibleAt }),
    };
  });
  const last = rows.at(-1);
  return more && last ? { messages, next: `${(last[0] as Buffer).toString()}:${(last[1] as Buffer).toString()}` } : { messages };
}
