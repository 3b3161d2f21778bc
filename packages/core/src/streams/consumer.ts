import { sleep, type Clock } from '../clock.js';
import type { Engine } from '../engine/engine.js';
import { groupLimits, type Membership, type StateChange, type StateEntry } from '../engine/stream-group.js';
import { streamLimits, type StreamRecord } from '../engine/stream-config.js';
import type { CommitRequest } from '../engine/stream-engine.js';
import { AbortedError, ClosedError, ErrorCode, InvalidArgumentError, isSwitchyardError } from '../errors.js';
import type { Body, OutgoingMessage } from '../message.js';
import { prepareEntries, type MessageLimits } from '../prepare.js';
import { checkInt, checkTopicName } from '../validate.js';
import { NotPartitionOwnerError, OffsetOutOfRangeError } from './errors.js';
import { resolveConsumerOptions, checkStreamName, type ConsumerOptions, type RebalanceChange, type ResolvedConsumerOptions } from './options.js';
import { checkInteger, decodeRecord, prepareStreamEntries, streamsOf, type StreamMessage } from './prepare.js';

export interface PollOptions {
  /** At most this many records. Default 100. */
  max?: number;
  /** Long poll: wait up to this long for a record. Default 0; at most 60 s. */
  waitMs?: number;
  signal?: AbortSignal;
}

/** Written in the same atomic step as the offsets (see `CommitRequest`). */
export interface CommitExtras {
  state?: readonly StateChange[];
  appends?: readonly { stream: string; messages: readonly StreamMessage[] }[];
  publishes?: readonly { topic: string; messages: readonly OutgoingMessage[] }[];
}

/**
 * One member of a consumer group. `poll` joins on first use, heartbeats when due (so a member
 * that stops polling expires), tells the rebalance listener what it gained and lost, and reads
 * the owned partitions from its positions: the committed offset (or the log's start) when a
 * partition is gained, then just past each record returned. `commit` stores the positions.
 * Not safe for concurrent calls: one loop drives one member.
 */
export class StreamConsumer<B extends Body = Body> implements AsyncDisposable {
  readonly stream: string;
  readonly group: string;
  readonly #engine: Engine;
  readonly #limits: MessageLimits;
  readonly #clock: Clock;
  readonly #options: ResolvedConsumerOptions;
  #memberId: string | undefined;
  #generation = -1;
  readonly #positions = new Map<number, number>();
  /** The generation each owned partition's ownership began at (see `Membership.ownedSince`). */
  readonly #ownedSince = new Map<number, number>();
  #nextHeartbeatAt = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(engine: Engine, stream: string, group: string, limits: MessageLimits, clock: Clock, options: ConsumerOptions) {
    this.stream = checkStreamName(stream);
    this.group = group;
    this.#engine = engine;
    this.#limits = limits;
    this.#clock = clock;
    this.#options = resolveConsumerOptions(options);
  }

  get memberId(): string | undefined {
    return this.#memberId;
  }

  get generation(): number {
    return this.#generation;
  }

  /** Partitions owned as of the last join or heartbeat, ascending. */
  get assignment(): number[] {
    return [...this.#positions.keys()].sort((a, b) => a - b);
  }

  /** The next offset `poll` reads in an owned partition. */
  position(partition: number): number | undefined {
    return this.#positions.get(partition);
  }

  /** Joins (or heartbeats) now and applies the answer. */
  async join(): Promise<RebalanceChange> {
    this.#checkOpen();
    return this.#heartbeat();
  }

  async poll(options: PollOptions = {}): Promise<StreamRecord<B>[]> {
    this.#checkOpen();
    const max = checkInt('max', options.max ?? 100, { min: 1, max: this.#limits.maxBatch });
    const waitMs = checkInt('waitMs', options.waitMs ?? 0, streamLimits.waitMs);
    const streams = streamsOf(this.#engine);
    const deadline = this.#clock.now() + waitMs;
    for (;;) {
      if (this.#clock.now() >= this.#nextHeartbeatAt) await this.#heartbeat();
      // Never wait past the next heartbeat: a member blocked in a long poll must not expire.
      const wait = Math.max(0, Math.min(deadline, this.#nextHeartbeatAt) - this.#clock.now());
      if (this.#positions.size === 0) {
        if (wait > 0) await sleep(this.#clock, wait, options.signal).catch((cause: unknown) => Promise.reject(new AbortedError({ cause })));
      } else {
        const from = [...this.#positions].map(([partition, offset]) => ({ partition, offset }));
        try {
          const records = await streams.read(this.stream, { from, max, waitMs: wait }, options.signal);
          for (const r of records) this.#positions.set(r.partition, r.offset + 1);
          if (records.length > 0) return records.map((r) => decodeRecord<B>(r));
        } catch (err) {
          if (!isSwitchyardError(err, ErrorCode.OffsetOutOfRange)) throw err;
          // Retention passed our position (or it is past the end): carry on from the nearest edge.
          const e = err as OffsetOutOfRangeError;
          this.#positions.set(e.partition, e.offset < e.start ? e.start : e.end);
          continue;
        }
      }
      if (this.#closed || this.#clock.now() >= deadline) return [];
    }
  }

  /**
   * Commits the positions of every owned partition, with `extras` in the same atomic step. Throws
   * NotPartitionOwnerError (and stores nothing) when the member lost a partition since it read
   * it; call `rewind` then.
   */
  async commit(extras: CommitExtras = {}): Promise<void> {
    this.#checkOpen();
    if (this.#memberId === undefined) throw new InvalidArgumentError('commit', 'the consumer has not joined its group yet');
    const request: CommitRequest = {
      memberId: this.#memberId,
      generation: this.#generation,
      offsets: [...this.#positions].map(([partition, offset]) => ({ partition, offset })),
    };
    if (extras.state) request.state = extras.state.map((c, i) => checkStateChange(c, i));
    if (extras.appends) {
      request.appends = extras.appends.map((a) => ({ stream: checkStreamName(a.stream), entries: prepareStreamEntries(a.messages, this.#limits, this.#clock) }));
    }
    if (extras.publishes) {
      request.publishes = extras.publishes.map((p) => ({ topic: checkTopicName(p.topic), entries: prepareEntries(p.messages, this.#limits, this.#clock) }));
    }
    if (request.offsets.length === 0 && !request.state?.length && !request.appends?.length && !request.publishes?.length) return;
    await streamsOf(this.#engine).commit(this.stream, this.group, request);
  }

  /**
   * Forgets uncommitted progress: every owned partition is reported lost, and the next `poll`
   * gains them again from the committed offsets (so a listener reloads its committed state).
   */
  async rewind(): Promise<void> {
    const lost = this.assignment;
    this.#positions.clear();
    this.#ownedSince.clear();
    this.#nextHeartbeatAt = Number.NEGATIVE_INFINITY;
    if (lost.length > 0) await this.#options.onRebalance?.({ generation: this.#generation, gained: [], lost, partitions: [] });
  }

  /** Moves the position of an owned partition; the offset must be within the log. */
  async seek(partition: number, offset: number): Promise<void> {
    checkInteger('partition', partition);
    checkInteger('offset', offset);
    const [range] = (await streamsOf(this.#engine).offsets(this.stream)).filter((o) => o.partition === partition);
    if (!this.#positions.has(partition)) throw new NotPartitionOwnerError(this.stream, this.group, this.#memberId ?? '(not joined)', partition);
    if (range && (offset < range.start || offset > range.end)) throw new OffsetOutOfRangeError(this.stream, partition, offset, range.start, range.end);
    this.#positions.set(partition, offset);
  }

  /** Moves owned partitions (all by default) to the start of their logs. */
  async seekToBeginning(partitions: readonly number[] = this.assignment): Promise<void> {
    const offsets = await streamsOf(this.#engine).offsets(this.stream);
    for (const p of partitions) await this.seek(p, offsets[p]?.start ?? 0);
  }

  /** Moves owned partitions (all by default) past their last record. */
  async seekToEnd(partitions: readonly number[] = this.assignment): Promise<void> {
    const offsets = await streamsOf(this.#engine).offsets(this.stream);
    for (const p of partitions) await this.seek(p, offsets[p]?.end ?? 0);
  }

  /** Moves owned partitions (all by default) to their first record at or after `timestamp`, or to their end. */
  async seekToTimestamp(timestamp: number, partitions: readonly number[] = this.assignment): Promise<void> {
    checkInt('timestamp', timestamp, { min: 0, max: Number.MAX_SAFE_INTEGER });
    const streams = streamsOf(this.#engine);
    const offsets = await streams.offsets(this.stream);
    for (const p of partitions) await this.seek(p, (await streams.offsetForTimestamp(this.stream, p, timestamp)) ?? offsets[p]?.end ?? 0);
  }

  /** The group's committed state for a partition (to rebuild from in the rebalance listener). */
  async loadState(partition: number): Promise<StateEntry[]> {
    return streamsOf(this.#engine).loadState(this.stream, this.group, checkInteger('partition', partition));
  }

  /** Leaves the group, so its partitions move to the other members at once. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const lost = this.assignment;
    this.#positions.clear();
    this.#ownedSince.clear();
    if (this.#memberId !== undefined) await streamsOf(this.#engine).leaveGroup(this.stream, this.group, this.#memberId);
    if (lost.length > 0) await this.#options.onRebalance?.({ generation: this.#generation, gained: [], lost, partitions: [] });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClosedError('consumer');
  }

  async #heartbeat(): Promise<RebalanceChange> {
    const streams = streamsOf(this.#engine);
    const join = () => {
      const request = { sessionTimeoutMs: this.#options.sessionTimeoutMs, strategy: this.#options.strategy, start: this.#options.start };
      const memberId = this.#options.memberId ?? this.#memberId;
      return streams.joinGroup(this.stream, this.group, memberId === undefined ? request : { ...request, memberId });
    };
    let m: Membership;
    if (this.#memberId === undefined) m = await join();
    else {
      try {
        m = await streams.heartbeat(this.stream, this.group, this.#memberId);
      } catch (err) {
        if (!isSwitchyardError(err, ErrorCode.UnknownMember)) throw err;
        m = await join();
      }
    }
    return this.#apply(m);
  }

  async #apply(m: Membership): Promise<RebalanceChange> {
    this.#memberId = m.memberId;
    this.#generation = m.generation;
    this.#nextHeartbeatAt = this.#clock.now() + this.#options.heartbeatIntervalMs;
    // An ownership that began at another generation than the one we hold is a different one:
    // the partition was lost and regained (or we rejoined), and our position in it is stale.
    const since = new Map(m.partitions.map((p, i) => [p, m.ownedSince[i]]));
    const lost = this.assignment.filter((p) => since.get(p) !== this.#ownedSince.get(p));
    for (const p of lost) {
      this.#positions.delete(p);
      this.#ownedSince.delete(p);
    }
    const gained = m.partitions.filter((p) => !this.#positions.has(p));
    for (const p of gained) this.#ownedSince.set(p, since.get(p) as number);
    if (gained.length > 0) {
      const streams = streamsOf(this.#engine);
      const committed = new Map((await streams.committedOffsets(this.stream, this.group)).map((c) => [c.partition, c.offset]));
      const offsets = await streams.offsets(this.stream);
      for (const p of gained) this.#positions.set(p, committed.get(p) ?? offsets[p]?.start ?? 0);
    }
    const change: RebalanceChange = { generation: m.generation, gained, lost, partitions: [...m.partitions] };
    if (gained.length > 0 || lost.length > 0) await this.#options.onRebalance?.(change);
    return change;
  }
}

function checkStateChange(c: StateChange, i: number): StateChange {
  const at = `state[${i}]`;
  if (typeof c !== 'object' || c === null) throw new InvalidArgumentError(at, 'must be { partition, key, value }');
  checkInteger(`${at}.partition`, c.partition);
  if (typeof c.key !== 'string' || c.key.length === 0 || c.key.length > groupLimits.stateKeyLength) {
    throw new InvalidArgumentError(`${at}.key`, `must be a string of 1 to ${groupLimits.stateKeyLength} characters`);
  }
  if (c.value !== null && !(c.value instanceof Uint8Array)) throw new InvalidArgumentError(`${at}.value`, 'must be bytes (Uint8Array) or null');
  return { partition: c.partition, key: c.key, value: c.value };
}
