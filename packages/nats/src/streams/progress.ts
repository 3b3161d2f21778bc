import type { StateChange, StateEntry } from '@switchyard/core';
import type { StreamDoc } from './catalog.js';
import type { StreamContext } from './context.js';
import type { GroupDoc } from './group-doc.js';

/**
 * One group's progress in one partition, in one KV value (key `o.<stream id>.<group>.<p>`): the
 * committed offset and the keyed state together, so a commit stores both with a single
 * compare-and-set — and the owner it was last settled to, which is what fences commits.
 *
 * The group document says who owns a partition; this value follows it lazily. Before the new
 * owner reads or commits a partition, the value is settled to the group's owner (a CAS that
 * moves `since` up). A member that lost the partition can only write before that moment: such a
 * commit is ordered before the new owner's first read, which sees it. After it, the old owner's
 * compare-and-set fails or finds another owner, and it is refused.
 */
export interface ProgressDoc {
  owner: string | null;
  /** The generation at which that ownership began; only ever moves up. */
  since: number;
  offset: number | null;
  committedAt: number | null;
  /** Keyed state, values base64. */
  state: Record<string, string>;
}

export interface Progress {
  value: ProgressDoc;
  revision: number;
  /** The value was settled to a later ownership than the group document the caller read. */
  stale: boolean;
}

const empty = (): ProgressDoc => ({ owner: null, since: 0, offset: null, committedAt: null, state: {} });

/**
 * Reads a partition's progress and settles it to the owner `g` names (after a write, won or
 * lost, it reads again). `stale` when the value was already settled to a later ownership than
 * `g` knows: the caller read an old group document.
 */
export async function settle(ctx: StreamContext, doc: StreamDoc, g: GroupDoc, partition: number): Promise<Progress> {
  const key = ctx.names.progressKey(doc.id, g.name, partition);
  const owner = g.owners[partition] ?? { member: null, since: 0 };
  for (;;) {
    const read = await ctx.docs.read<ProgressDoc>(key);
    const value = read.value ?? empty();
    if (value.since >= owner.since) return { value, revision: read.revision, stale: value.since > owner.since };
    const next = { ...value, owner: owner.member, since: owner.since };
    await ctx.docs.write(key, next, read.revision);
  }
}

/** The progress as it is, without settling (for retention, which only looks). */
export async function peekProgress(ctx: StreamContext, doc: StreamDoc, group: string, partition: number): Promise<ProgressDoc | undefined> {
  return (await ctx.docs.read<ProgressDoc>(ctx.names.progressKey(doc.id, group, partition))).value;
}

export function applyState(state: Record<string, string>, changes: readonly StateChange[]): Record<string, string> {
  const next = { ...state };
  for (const c of changes) {
    if (c.value === null) delete next[c.key];
    else next[c.key] = Buffer.from(c.value.buffer, c.value.byteOffset, c.value.byteLength).toString('base64');
  }
  return next;
}

export function stateEntries(state: Record<string, string>): StateEntry[] {
  return Object.keys(state)
    .sort()
    .map((key) => {
      const b = Buffer.from(state[key] as string, 'base64');
      return { key, value: new Uint8Array(b.buffer, b.byteOffset, b.byteLength) };
    });
}
