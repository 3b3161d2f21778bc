/**
 * Consumer groups: the members of a group share a stream's partitions, each partition owned by
 * one member at a time, and the group remembers per partition how far it has got (its committed
 * offset).
 */

export const AssignmentStrategy = {
  /** Kafka's RangeAssignor: members sorted by id take consecutive ranges; the first ones take one extra. */
  range: 'range',
  /** Balanced like range, but a rebalance moves as few partitions as it can. */
  sticky: 'sticky',
} as const;
export type AssignmentStrategy = (typeof AssignmentStrategy)[keyof typeof AssignmentStrategy];

/**
 * Where a new group begins: `earliest` reads every record still stored; `latest` reads only
 * records appended after the group was created (the end offsets are committed when it is).
 */
export type GroupStart = 'earliest' | 'latest';

export interface JoinRequest {
  /**
   * Static membership: a member that joins again under the same id replaces its previous
   * incarnation, keeps its partitions when the strategy allows, and fences the old incarnation
   * (commits carrying an older generation fail). A fresh id is made when absent.
   */
  memberId?: string;
  /** The member expires when it has not joined or heartbeated for this long (engine clock). */
  sessionTimeoutMs: number;
  /** Used when the group has no live member; a live group keeps its own. */
  strategy: AssignmentStrategy;
  /** Used only when this join creates the group. */
  start: GroupStart;
}

/** What a member is told when it joins or heartbeats. */
export interface Membership {
  memberId: string;
  /** Bumped by every change of membership (join, leave, expiry); carry it in commits. */
  generation: number;
  /** Partitions this member owns now, ascending. */
  partitions: number[];
  /**
   * For each of `partitions`, the generation at which this ownership began. It changes when the
   * partition was lost and regained in between, so a member must then reload what it holds for
   * it: another member may have committed progress meanwhile.
   */
  ownedSince: number[];
  /**
   * Partitions owned now that were not owned (under the same ownership) in the last answer given
   * to this member. A partition lost and regained in between is in both `gained` and `lost`.
   */
  gained: number[];
  /** Partitions in the last answer given to this member that it no longer owns under the same ownership. */
  lost: number[];
}

export interface CommittedOffset {
  partition: number;
  /** The next offset the group will read in this partition. */
  offset: number;
  committedAt: number;
}

export interface GroupInfo {
  stream: string;
  name: string;
  strategy: AssignmentStrategy;
  start: GroupStart;
  generation: number;
  members: { memberId: string; partitions: number[]; expiresAt: number }[];
  committed: CommittedOffset[];
}

export const groupDefaults = {
  sessionTimeoutMs: 10_000,
  strategy: AssignmentStrategy.sticky,
  start: 'latest',
} as const satisfies { sessionTimeoutMs: number; strategy: AssignmentStrategy; start: GroupStart };

export const groupLimits = {
  sessionTimeoutMs: { min: 100, max: 3600_000 },
  stateKeyLength: 512,
} as const;

/** One change to a group's keyed state for a partition; `value: null` deletes the key. */
export interface StateChange {
  partition: number;
  key: string;
  value: Uint8Array | null;
}

export interface StateEntry {
  key: string;
  value: Uint8Array;
}
