import type { AssignmentStrategy } from '../engine/stream-group.js';

/** Partition → owning member. */
export type Assignment = Map<number, string>;

/**
 * Kafka's RangeAssignor for one stream: members sorted by id; each takes `floor(n / m)`
 * consecutive partitions and the first `n % m` members one more.
 */
export function assignRange(partitions: number, members: readonly string[]): Assignment {
  const sorted = [...new Set(members)].sort();
  const out: Assignment = new Map();
  if (sorted.length === 0) return out;
  const base = Math.floor(partitions / sorted.length);
  const extra = partitions % sorted.length;
  let p = 0;
  sorted.forEach((member, i) => {
    const count = base + (i < extra ? 1 : 0);
    for (let k = 0; k < count; k++) out.set(p++, member);
  });
  return out;
}

/**
 * As balanced as range (counts differ by at most one), moving as few partitions as possible:
 * every member keeps its current partitions up to its quota, and the larger quotas go to the
 * members that already hold the most. Only partitions of departed members and the surplus of
 * over-full members move, each to the member with the fewest. Deterministic (ties by id).
 */
export function assignSticky(partitions: number, members: readonly string[], current: ReadonlyMap<number, string>): Assignment {
  const sorted = [...new Set(members)].sort();
  const out: Assignment = new Map();
  if (sorted.length === 0) return out;
  const owned = new Map<string, number[]>(sorted.map((m) => [m, []]));
  for (let p = 0; p < partitions; p++) {
    const owner = current.get(p);
    if (owner !== undefined) owned.get(owner)?.push(p);
  }
  const base = Math.floor(partitions / sorted.length);
  const extra = partitions % sorted.length;
  const byHolding = [...sorted].sort((a, b) => (owned.get(b) as number[]).length - (owned.get(a) as number[]).length || (a < b ? -1 : 1));
  const quota = new Map(byHolding.map((m, i) => [m, base + (i < extra ? 1 : 0)]));
  const count = new Map<string, number>();
  for (const m of sorted) {
    const keep = (owned.get(m) as number[]).slice(0, quota.get(m));
    for (const p of keep) out.set(p, m);
    count.set(m, keep.length);
  }
  for (let p = 0; p < partitions; p++) {
    if (out.has(p)) continue;
    let target = sorted[0] as string;
    for (const m of sorted) {
      const room = (quota.get(m) as number) - (count.get(m) as number);
      const best = (quota.get(target) as number) - (count.get(target) as number);
      if (room > best) target = m;
    }
    out.set(p, target);
    count.set(target, (count.get(target) as number) + 1);
  }
  return out;
}

export function assignPartitions(strategy: AssignmentStrategy, partitions: number, members: readonly string[], current: ReadonlyMap<number, string>): Assignment {
  return strategy === 'range' ? assignRange(partitions, members) : assignSticky(partitions, members, current);
}

/** The partitions one member owns in an assignment, ascending. */
export function partitionsOf(assignment: Assignment, member: string): number[] {
  const out: number[] = [];
  for (const [p, m] of assignment) if (m === member) out.push(p);
  return out.sort((a, b) => a - b);
}
