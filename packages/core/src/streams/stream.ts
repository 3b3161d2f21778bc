import type { Clock } from '../clock.js';
import type { Engine } from '../engine/engine.js';
import { streamLimits, type PartitionOffsets, type StreamInfo, type StreamRecord, type StreamStats, type TrimResult } from '../engine/stream-config.js';
import type { AppendResult } from '../engine/stream-engine.js';
import type { CommittedOffset, GroupInfo } from '../engine/stream-group.js';
import { InvalidArgumentError } from '../errors.js';
import type { Body } from '../message.js';
import type { MessageLimits } from '../prepare.js';
import { checkInt, checkOptions } from '../validate.js';
import { StreamConsumer } from './consumer.js';
import { checkGroupName, checkStreamName, type ConsumerOptions } from './options.js';
import { checkInteger, decodeRecord, prepareStreamEntries, streamsOf, type StreamMessage } from './prepare.js';

export interface ReadOptions {
  partition: number;
  /** The first offset to read. */
  offset: number;
  /** At most this many records. Default 100. */
  max?: number;
  /** Long poll: wait up to this long for a record. Default 0; at most 60 s. */
  waitMs?: number;
  signal?: AbortSignal;
}

/**
 * A handle on one stream: a partitioned, replayable log. Creating it does no I/O; every call
 * validates its input before the engine sees it. On an engine without streams every call throws
 * UnsupportedError with the engine's reason.
 */
export class Stream<B extends Body = Body> {
  readonly name: string;
  readonly #engine: Engine;
  readonly #limits: MessageLimits;
  readonly #clock: Clock;

  constructor(engine: Engine, name: string, limits: MessageLimits, clock: Clock) {
    this.name = checkStreamName(name);
    this.#engine = engine;
    this.#limits = limits;
    this.#clock = clock;
  }

  /** Appends one record; resolves with its partition and offset once it is durable. */
  async append(message: StreamMessage<B>): Promise<AppendResult> {
    const [result] = await this.appendBatch([message]);
    return result as AppendResult;
  }

  /** Appends a batch atomically: all are stored (each with its offset) or none. */
  async appendBatch(messages: readonly StreamMessage<B>[]): Promise<AppendResult[]> {
    const entries = prepareStreamEntries(messages, this.#limits, this.#clock);
    return streamsOf(this.#engine).append(this.name, entries);
  }

  /** Reads records of one partition from `offset` on, waiting up to `waitMs` for the first. */
  async read(options: ReadOptions): Promise<StreamRecord<B>[]> {
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be { partition, offset }');
    const partition = checkInteger('partition', options.partition);
    const offset = checkInteger('offset', options.offset);
    const max = checkInt('max', options.max ?? 100, { min: 1, max: this.#limits.maxBatch });
    const waitMs = checkInt('waitMs', options.waitMs ?? 0, streamLimits.waitMs);
    const records = await streamsOf(this.#engine).read(this.name, { from: [{ partition, offset }], max, waitMs }, options.signal);
    return records.map((r) => decodeRecord<B>(r));
  }

  async info(): Promise<StreamInfo> {
    return streamsOf(this.#engine).getStream(this.name);
  }

  /** Where each partition's log starts and ends. */
  async offsets(): Promise<PartitionOffsets[]> {
    return streamsOf(this.#engine).offsets(this.name);
  }

  /** The first offset of a record at or after `timestamp`, or `null` when none is that recent. */
  async offsetForTimestamp(partition: number, timestamp: number): Promise<number | null> {
    checkInteger('partition', partition);
    checkInt('timestamp', timestamp, { min: 0, max: Number.MAX_SAFE_INTEGER });
    return streamsOf(this.#engine).offsetForTimestamp(this.name, partition, timestamp);
  }

  /** Applies retention now (the engine also does it on its own schedule). */
  async trim(): Promise<TrimResult> {
    return streamsOf(this.#engine).trim(this.name);
  }

  async stats(): Promise<StreamStats> {
    return streamsOf(this.#engine).stats(this.name);
  }

  /** A member of consumer group `group`; it joins on its first `poll` (or `join`). */
  consumer(group: string, options: ConsumerOptions = {}): StreamConsumer<B> {
    const o = checkOptions(options);
    return new StreamConsumer<B>(this.#engine, this.name, checkGroupName(group), this.#limits, o.clock ?? this.#clock, o);
  }

  /** A group's members, assignment and committed offsets; `null` when there is no such group. */
  async group(name: string): Promise<GroupInfo | null> {
    return streamsOf(this.#engine).describeGroup(this.name, checkGroupName(name));
  }

  async committed(group: string): Promise<CommittedOffset[]> {
    return streamsOf(this.#engine).committedOffsets(this.name, checkGroupName(group));
  }
}
