import { partitionForKey, type AppendResult, type StreamEntry } from '@switchyard/core';
import { checkPartition, requireStream, type StreamDoc } from './catalog.js';
import type { StreamContext } from './context.js';
import { unlessGone } from './gone.js';

/**
 * Appends a batch: every partition is checked before anything is published, then each
 * partition's share goes to its partition stream in batch order (partitions in parallel). The
 * partition is the entry's own, else Kafka's for its key, else the next in this engine's round
 * robin over the stream's partitions (so keyless records spread evenly across batches; engines
 * in other processes keep their own turn).
 */
export async function appendEntries(ctx: StreamContext, turns: Map<string, number>, stream: string, entries: readonly StreamEntry[]): Promise<AppendResult[]> {
  const doc = await requireStream(ctx, stream);
  let turn = turns.get(doc.id) ?? 0;
  const chosen = entries.map((e) => choosePartition(doc, e, () => turn++));
  turns.set(doc.id, turn % doc.partitions);
  const byPartition = new Map<number, number[]>();
  chosen.forEach((p, i) => byPartition.set(p, [...(byPartition.get(p) ?? []), i]));
  const appendedAt = ctx.clock.now();
  const results = new Array<AppendResult>(entries.length);
  await unlessGone(
    ctx,
    doc,
    Promise.all(
      [...byPartition].map(async ([p, indexes]) => {
        const offsets = await ctx.log.append(doc.id, p, indexes.map((i) => entries[i] as StreamEntry), appendedAt);
        indexes.forEach((i, k) => (results[i] = { id: (entries[i] as StreamEntry).id, partition: p, offset: offsets[k] as number }));
      }),
    ),
  );
  return results;
}

function choosePartition(doc: StreamDoc, e: StreamEntry, nextTurn: () => number): number {
  if (e.partition !== undefined) return checkPartition(doc, e.partition);
  if (e.key !== undefined) return partitionForKey(e.key, doc.partitions);
  return nextTurn() % doc.partitions;
}
