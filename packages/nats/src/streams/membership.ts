import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, UnknownMemberError, type CommittedOffset, type GroupInfo, type JoinRequest, type Membership } from '@switchyard/core';
import { requireStream, type StreamDoc } from './catalog.js';
import type { StreamContext } from './context.js';
import * as G from './group-doc.js';
import { mapLimited, range } from './parallel.js';
import { settle } from './progress.js';

/** Progress values read at a time. */
const readConcurrency = 64;

/**
 * Consumer group membership on the group's KV document. Every operation reads the document,
 * first removes members whose session ran out on the engine clock (rebalancing if any did), then
 * makes its change, and stores the result with compare-and-set — from the top if another
 * process changed the group meanwhile. A change of membership bumps the generation and
 * reassigns at once; members learn their share from the answer to a join or heartbeat.
 */

/**
 * Applies expiry and `change` to the group and stores the result if it differs. `change` may
 * throw: then nothing is stored (as a refused call must not store anything).
 */
async function changeGroup<R>(
  ctx: StreamContext,
  doc: StreamDoc,
  group: string,
  change: (g: G.GroupDoc | undefined, now: number) => Promise<{ g?: G.GroupDoc; result: R }> | { g?: G.GroupDoc; result: R },
): Promise<R> {
  return ctx.docs.mutate<G.GroupDoc, R>(ctx.names.groupKey(doc.id, group), async (current) => {
    const now = ctx.clock.now();
    const g = current && (structuredClone(current) as G.GroupDoc);
    if (g) G.expire(g, now);
    const out = await change(g, now);
    const next = out.g ?? g;
    const changed = next !== undefined && JSON.stringify(next) !== JSON.stringify(current);
    return changed ? { value: next, result: out.result } : { result: out.result };
  });
}

/** The group with expiry applied (and stored); undefined when there is no such group. */
export function currentGroup(ctx: StreamContext, doc: StreamDoc, group: string): Promise<G.GroupDoc | undefined> {
  return changeGroup(ctx, doc, group, (g) => ({ result: g }));
}

export async function readGroup(ctx: StreamContext, doc: StreamDoc, group: string): Promise<G.GroupDoc | undefined> {
  return (await ctx.docs.read<G.GroupDoc>(ctx.names.groupKey(doc.id, group))).value;
}

export async function joinGroup(ctx: StreamContext, stream: string, group: string, req: JoinRequest): Promise<Membership> {
  const doc = await requireStream(ctx, stream);
  const memberId = req.memberId ?? `member-${randomUUID()}`;
  return changeGroup(ctx, doc, group, async (existing, now) => {
    const g = existing ?? (await createGroup(ctx, doc, group, req, now));
    if (req.strategy !== g.strategy) {
      if (G.memberIds(g).length > 0) throw new InvalidArgumentError('strategy', `group ${JSON.stringify(group)} uses ${g.strategy} while it has members`);
      g.strategy = req.strategy;
    }
    G.join(g, memberId, req.sessionTimeoutMs, now);
    return { g, result: G.membershipOf(g, memberId) };
  });
}

async function createGroup(ctx: StreamContext, doc: StreamDoc, group: string, req: JoinRequest, now: number): Promise<G.GroupDoc> {
  const g = G.newGroup(group, doc.partitions, req.strategy, req.start, now);
  if (req.start === 'latest') {
    // "Latest" means records appended after the group was created, whoever reads them first.
    const offsets = await mapLimited(range(doc.partitions), readConcurrency, async (p) => (await ctx.log.bounds(doc.id, p)).end);
    g.initial = { offsets, at: now };
  }
  return g;
}

export async function heartbeat(ctx: StreamContext, stream: string, group: string, memberId: string): Promise<Membership> {
  const doc = await requireStream(ctx, stream);
  return changeGroup(ctx, doc, group, (g, now) => {
    const member = g?.members[memberId];
    if (!g || !member) throw new UnknownMemberError(stream, group, memberId);
    member.expiresAt = now + member.sessionMs;
    return { result: G.membershipOf(g, memberId) };
  });
}

export async function leaveGroup(ctx: StreamContext, stream: string, group: string, memberId: string): Promise<boolean> {
  const doc = await requireStream(ctx, stream);
  return changeGroup(ctx, doc, group, (g) => {
    if (!g?.members[memberId]) return { result: false };
    delete g.members[memberId];
    G.rebalance(g);
    return { result: true };
  });
}

export async function describeGroup(ctx: StreamContext, stream: string, group: string): Promise<GroupInfo | null> {
  const doc = await requireStream(ctx, stream);
  const g = await currentGroup(ctx, doc, group);
  if (!g) return null;
  return {
    stream,
    name: g.name,
    strategy: g.strategy,
    start: g.start,
    generation: g.generation,
    members: G.memberIds(g).map((memberId) => ({
      memberId,
      partitions: g.owners.flatMap((o, p) => (o.member === memberId ? [p] : [])),
      expiresAt: (g.members[memberId] as G.MemberDoc).expiresAt,
    })),
    committed: await committedOf(ctx, doc, g),
  };
}

export async function committedOffsets(ctx: StreamContext, stream: string, group: string): Promise<CommittedOffset[]> {
  const doc = await requireStream(ctx, stream);
  const g = await readGroup(ctx, doc, group);
  return g ? committedOf(ctx, doc, g) : [];
}

/**
 * Committed offsets by partition: the progress value's, else the offsets a `latest` group
 * started with. Each value is settled to its owner first, so a member that just gained a
 * partition and asks where to resume fences the previous owner from then on.
 */
async function committedOf(ctx: StreamContext, doc: StreamDoc, g: G.GroupDoc): Promise<CommittedOffset[]> {
  const all = await mapLimited(range(doc.partitions), readConcurrency, async (p): Promise<CommittedOffset | undefined> => {
    const { value } = await settle(ctx, doc, g, p);
    if (value.offset !== null) return { partition: p, offset: value.offset, committedAt: value.committedAt ?? g.createdAt };
    const initial = g.initial?.offsets[p];
    return initial === undefined ? undefined : { partition: p, offset: initial, committedAt: g.initial?.at ?? g.createdAt };
  });
  return all.filter((c): c is CommittedOffset => c !== undefined);
}
