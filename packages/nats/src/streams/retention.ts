import type { TrimResult } from '@switchyard/core';
import { addCounters, requireStream, type StreamDoc } from './catalog.js';
import type { StreamContext } from './context.js';
import { isLive, type GroupDoc } from './group-doc.js';
import { mapLimited, range } from './parallel.js';
import type { Bounds } from './partition-log.js';
import { peekProgress } from './progress.js';
import { firstAtLeast } from './search.js';

const concurrency = 16;

/**
 * Retention removes a prefix of each partition's log with a JetStream purge up to a sequence, so
 * offsets stay dense and `start` simply moves up; the purge reports how many records it removed,
 * so engines trimming the same stream at once never count a record twice. Age is measured on the
 * engine clock from each record's appendedAt and stops at the lowest offset a live group (one
 * with an unexpired member) has not committed; size does not stop there, and counts what it
 * removed past that point.
 */
export async function trim(ctx: StreamContext, stream: string): Promise<TrimResult> {
  return trimStream(ctx, await requireStream(ctx, stream), Number.POSITIVE_INFINITY);
}

/**
 * The engine's periodic pass over every stream with a retention limit. It removes at most
 * `chunk` records per partition, so a large backlog coming due goes over several sweeps.
 */
export async function trimAll(ctx: StreamContext, chunk = 20_000): Promise<void> {
  const keys = await ctx.docs.keys('s.*');
  for (const key of keys) {
    if (ctx.closing.aborted) return;
    const doc = (await ctx.docs.read<StreamDoc>(key)).value;
    if (doc && (doc.retention.maxAgeMs !== null || doc.retention.maxBytes !== null)) await trimStream(ctx, doc, chunk);
  }
}

async function trimStream(ctx: StreamContext, doc: StreamDoc, chunk: number): Promise<TrimResult> {
  const now = ctx.clock.now();
  const { maxAgeMs, maxBytes } = doc.retention;
  const total: TrimResult = { removedByAge: 0, removedBySize: 0, removedUncommitted: 0 };
  if (maxAgeMs === null && maxBytes === null) return total;
  const groups = await liveGroups(ctx, doc, now);
  await mapLimited(range(doc.partitions), concurrency, async (p) => {
    let b = await ctx.log.bounds(doc.id, p);
    if (b.start === b.end) return;
    const protect = await protectedFrom(ctx, doc, groups, p, b);
    const limit = Math.min(b.end, b.start + chunk);
    if (maxAgeMs !== null) {
      const young = await firstAtLeast(ctx.log, doc.id, p, b, limit, (e) => e.maxAppendedAt, (e) => e.appendedAt, now - maxAgeMs);
      const removed = await purge(ctx, doc, p, b, Math.min(young ?? limit, protect, limit));
      total.removedByAge += removed;
      if (removed > 0) b = await ctx.log.bounds(doc.id, p);
    }
    const bytes = maxBytes === null ? null : await ctx.log.bytes(doc.id, p, b);
    if (maxBytes !== null && bytes !== null && bytes > maxBytes) {
      const last = await ctx.log.entry(doc.id, p, b.end - 1);
      if (!last) return;
      // The smallest cut leaving at most maxBytes: bytes before the cut reach (bytes up to the end) - maxBytes.
      const target = last.before + last.size - maxBytes;
      const cut = Math.min((await firstAtLeast(ctx.log, doc.id, p, b, b.end, (e) => e.before, (e) => e.before, target)) ?? b.end, b.start + chunk);
      const removed = await purge(ctx, doc, p, b, cut);
      total.removedBySize += removed;
      total.removedUncommitted += Math.max(0, cut - Math.max(cut - removed, protect));
    }
  });
  await addCounters(ctx, doc, total);
  return total;
}

/** Removes the records before offset `cut`; returns how many this call removed. */
async function purge(ctx: StreamContext, doc: StreamDoc, partition: number, b: Bounds, cut: number): Promise<number> {
  if (cut <= b.start) return 0;
  const r = await ctx.jsm.streams.purge(ctx.names.partition(doc.id, partition), { seq: cut + 1 });
  return r.purged;
}

async function liveGroups(ctx: StreamContext, doc: StreamDoc, now: number): Promise<GroupDoc[]> {
  const keys = await ctx.docs.keys(ctx.names.groupKeys(doc.id));
  const groups = await mapLimited(keys, concurrency, async (k) => (await ctx.docs.read<GroupDoc>(k)).value);
  return groups.filter((g): g is GroupDoc => g !== undefined && isLive(g, now));
}

/**
 * The lowest offset of the partition some live group still needs: its committed offset, or the
 * log's start for a live group that has committed nothing here. Infinity when no group is live.
 */
async function protectedFrom(ctx: StreamContext, doc: StreamDoc, groups: readonly GroupDoc[], partition: number, b: Bounds): Promise<number> {
  let protect = Number.POSITIVE_INFINITY;
  for (const g of groups) {
    const offset = (await peekProgress(ctx, doc, g.name, partition))?.offset ?? g.initial?.offsets[partition] ?? b.start;
    protect = Math.min(protect, offset);
  }
  return protect;
}
