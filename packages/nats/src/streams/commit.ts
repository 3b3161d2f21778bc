import {
  InvalidArgumentError,
  NotPartitionOwnerError,
  OffsetOutOfRangeError,
  UnsupportedError,
  type CommitRequest,
  type StateEntry,
} from '@switchyard/core';
import { streamTransactionsUnsupported } from '../features.js';
import { checkPartition, requireStream } from './catalog.js';
import type { StreamContext } from './context.js';
import { currentGroup, readGroup } from './membership.js';
import { applyState, settle, stateEntries, type ProgressDoc } from './progress.js';

/** Room left in a KV value for the subject and headers next to the progress document. */
const valueOverhead = 1024;

/**
 * A consumer's step: ownership is checked in the group document for every partition named,
 * each partition's progress is settled to its owner and checked again there, the new offset and
 * state of each partition are computed and measured — all before the first write — and then
 * each partition's value is stored with one compare-and-set. A partition's offset and state are
 * one value, so they are stored together or not at all.
 *
 * JetStream 2.9 cannot write several keys atomically, so a commit naming several partitions is
 * atomic per partition: if a concurrent rebalance takes one of them between the checks and the
 * writes, that partition's write fails its compare-and-set, the commit is checked again from the
 * top, and it is refused (NotPartitionOwnerError) after the other partitions were stored. Each
 * stored partition holds a consistent offset and state, so resuming from it neither loses nor
 * double-counts. Outputs (appends, publishes) are not supported: see `streamTransactions`.
 */
export async function commit(ctx: StreamContext, stream: string, group: string, req: CommitRequest): Promise<void> {
  const doc = await requireStream(ctx, stream);
  const named = [...new Set([...req.offsets.map((o) => o.partition), ...(req.state ?? []).map((c) => c.partition)])];
  for (const p of named) checkPartition(doc, p);
  const outputs = (req.appends ?? []).some((a) => a.entries.length > 0) || (req.publishes ?? []).some((p) => p.entries.length > 0);
  if (outputs) throw new UnsupportedError('streamTransactions', streamTransactionsUnsupported);
  const refuse = (p: number) => new NotPartitionOwnerError(stream, group, req.memberId, p);
  for (;;) {
    const g = await currentGroup(ctx, doc, group);
    if (!g) throw refuse(named[0] ?? 0);
    if (req.generation > g.generation) throw new InvalidArgumentError('generation', `group ${JSON.stringify(group)} is at generation ${g.generation}`);
    for (const p of named) {
      const o = g.owners[p];
      if (o?.member !== req.memberId || o.since > req.generation) throw refuse(p);
    }
    await Promise.all(
      req.offsets.map(async ({ partition, offset }) => {
        const b = await ctx.log.bounds(doc.id, partition);
        if (offset < 0 || offset > b.end) throw new OffsetOutOfRangeError(stream, partition, offset, b.start, b.end);
      }),
    );
    const current = await Promise.all(named.map((p) => settle(ctx, doc, g, p)));
    if (current.some((c) => c.stale)) continue;
    const now = ctx.clock.now();
    const limit = (ctx.nc.info?.max_payload ?? 1024 * 1024) - valueOverhead;
    const next = named.map((p, i): ProgressDoc => {
      const before = (current[i] as { value: ProgressDoc }).value;
      if (before.owner !== req.memberId) throw refuse(p);
      const offset = req.offsets.find((o) => o.partition === p)?.offset;
      const changes = (req.state ?? []).filter((c) => c.partition === p);
      const value: ProgressDoc = { ...before, state: changes.length > 0 ? applyState(before.state, changes) : before.state };
      if (offset !== undefined) Object.assign(value, { offset, committedAt: now });
      const size = Buffer.byteLength(JSON.stringify(value));
      if (size > limit) {
        throw new InvalidArgumentError('state', `partition ${p} would hold ${size} bytes of offset and state; NATS keeps them in one KV value, at most ${limit} bytes here (the server's max_payload)`);
      }
      return value;
    });
    const stored = await Promise.all(named.map((p, i) => ctx.docs.write(ctx.names.progressKey(doc.id, group, p), next[i], (current[i] as { revision: number }).revision)));
    if (stored.every(Boolean)) return;
  }
}

export async function loadState(ctx: StreamContext, stream: string, group: string, partition: number): Promise<StateEntry[]> {
  const doc = await requireStream(ctx, stream);
  checkPartition(doc, partition);
  const g = await readGroup(ctx, doc, group);
  if (!g) return [];
  return stateEntries((await settle(ctx, doc, g, partition)).value.state);
}
