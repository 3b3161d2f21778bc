import type { EncodedBody } from '../body.js';
import type { EnqueueEntry } from './queue-engine.js';
import type { PartitionOffsets, ResolvedStreamOptions, StreamInfo, StreamRecord, StreamStats, TrimResult } from './stream-config.js';
import type { CommittedOffset, GroupInfo, JoinRequest, Membership, StateChange, StateEntry } from './stream-group.js';

/**
 * A record ready for appending: validated, with id, type and timestamp filled in. Without
 * `partition` the engine picks one: by `key` with `partitionForKey` (Kafka's default
 * partitioner), and keyless records round-robin over the partitions.
 */
export interface StreamEntry extends Omit<EnqueueEntry, 'delayMs' | 'dedupId'> {
  partition?: number;
}

export interface AppendResult {
  id: string;
  partition: number;
  offset: number;
}

export interface ReadRequest {
  /** Where to read in each partition: records at `offset` and after. */
  from: readonly { partition: number; offset: number }[];
  /** At most this many records in all (≥ 1), shared fairly between the partitions. */
  max: number;
  /** Long poll: wait up to this long for the first record. 0 returns at once. */
  waitMs: number;
}

/**
 * One atomic step of a consumer that reads, computes and writes: its offsets, its keyed state and
 * its output records are stored together or not at all. A consumer that checkpoints this way and
 * resumes from what it committed neither loses nor double-counts a record across crashes.
 */
export interface CommitRequest {
  memberId: string;
  /** The generation of the membership under which the member read what it commits. */
  generation: number;
  /** The next offset to read, per partition. */
  offsets: readonly { partition: number; offset: number }[];
  /** Changes to the group's keyed state of owned partitions. */
  state?: readonly StateChange[];
  /** Records to append to streams (outputs), in the same step. */
  appends?: readonly { stream: string; entries: readonly StreamEntry[] }[];
  /** Messages to publish to topics (outputs), in the same step. */
  publishes?: readonly { topic: string; entries: readonly EnqueueEntry[] }[];
}

/**
 * Streams: partitioned, replayable logs (Kafka-like), and the consumer groups that share them.
 * Arguments arrive validated by the `Stream` facade; the engine checks what only it can
 * (existence, partition counts, offsets, ownership). Every method is safe to call concurrently.
 *
 * Membership is judged on the engine's clock: a member whose session ran out is removed (and the
 * group rebalanced) by the next group operation that looks — join, heartbeat, leave, commit or
 * describe — so expiry needs no timer and follows an injected clock exactly.
 */
export interface StreamEngine {
  /**
   * Creates a stream. Creating one that exists with the same settings returns it unchanged; with
   * other settings it throws StreamAlreadyExistsError.
   */
  createStream(name: string, options: ResolvedStreamOptions): Promise<StreamInfo>;
  /** Deletes a stream, its records, groups, offsets and state. Returns false when it did not exist. */
  deleteStream(name: string): Promise<boolean>;
  /** Throws StreamNotFoundError. */
  getStream(name: string): Promise<StreamInfo>;
  listStreams(prefix?: string): Promise<StreamInfo[]>;

  /**
   * Appends a batch atomically: when the promise resolves every record is durable and has its
   * offset; when it rejects none was stored. Offsets are dense per partition and, within a
   * partition, follow the order of the batch. Wakes readers waiting on the stream. A `partition`
   * outside the stream throws PartitionOutOfRangeError.
   */
  append(stream: string, entries: readonly StreamEntry[]): Promise<AppendResult[]>;

  /**
   * Reads records at and after each requested offset, in offset order within each partition.
   * Waits (long poll) up to `waitMs` for the first record, returning as soon as one is appended.
   * An offset below the partition's start or above its end throws OffsetOutOfRangeError (an
   * offset equal to the end is valid: it waits for the next record).
   */
  read(stream: string, request: ReadRequest, signal?: AbortSignal): Promise<StreamRecord<EncodedBody>[]>;

  offsets(stream: string): Promise<PartitionOffsets[]>;

  /**
   * The first offset, in log order, of a record whose timestamp is at or after `timestamp`;
   * `null` when no stored record is that recent.
   */
  offsetForTimestamp(stream: string, partition: number, timestamp: number): Promise<number | null>;

  /**
   * Applies retention now (engines also apply it on their own schedule). Removes, oldest first,
   * records older than `maxAgeMs` — but never one that a live group (one with an unexpired
   * member) has not committed — and then, regardless of groups, records beyond `maxBytes`,
   * counting those a live group had not committed in `removedUncommitted`.
   */
  trim(stream: string): Promise<TrimResult>;

  stats(stream: string): Promise<StreamStats>;

  /**
   * Adds a member to a group (creating the group on first join) and rebalances: every partition
   * is owned by exactly one live member, assigned by the group's strategy. Partitions that change
   * owner start a new ownership at the new generation.
   */
  joinGroup(stream: string, group: string, request: JoinRequest): Promise<Membership>;

  /**
   * Keeps a member alive for another session timeout and tells it what it owns now, with what it
   * gained and lost since the last answer it was given. A member that expired or left throws
   * UnknownMemberError (it must join again).
   */
  heartbeat(stream: string, group: string, memberId: string): Promise<Membership>;

  /** Removes a member and rebalances the rest at once. Returns false when it was not a member. */
  leaveGroup(stream: string, group: string, memberId: string): Promise<boolean>;

  /** The group's members, assignment and committed offsets; `null` when there is no such group. */
  describeGroup(stream: string, group: string): Promise<GroupInfo | null>;

  /** The group's committed offsets, by partition (partitions never committed are absent). */
  committedOffsets(stream: string, group: string): Promise<CommittedOffset[]>;

  /** The group's keyed state for one partition, by key. */
  loadState(stream: string, group: string, partition: number): Promise<StateEntry[]>;

  /**
   * Stores offsets, state changes and outputs in one atomic step. Every partition named in
   * `offsets` or `state` must be owned by the member under an ownership that began at or before
   * `generation`; otherwise (the member expired, left, lost the partition in a rebalance, or is an
   * older incarnation of a static member) it throws NotPartitionOwnerError and stores nothing.
   * An offset above the partition's end throws OffsetOutOfRangeError.
   */
  commit(stream: string, group: string, request: CommitRequest): Promise<void>;
}
