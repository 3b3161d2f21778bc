import {
  ErrorCode,
  isSwitchyardError,
  type Body,
  type OutgoingMessage,
  type RebalanceChange,
  type Stream,
  type StreamConsumer,
  type StreamMessage,
  type StreamRecord,
} from '@switchyard/core';
import type { Aggregation } from './aggregations.js';
import { resolveOptions, type Resolved, type Sink, type WindowedAggregationOptions } from './options.js';
import { PartitionWindows, type Settings, type WindowResult } from './partition-windows.js';

export interface StepResult {
  /** Records consumed in this step. */
  records: number;
  /** Window results emitted (after `emitWhen`). */
  results: number;
  /** Records too late for any window (dropped or sent to the side output). */
  late: number;
  /** True when the commit was refused (the member lost a partition) and the step was undone. */
  rewound: boolean;
}

/** What a result record's body holds. */
export type WindowResultBody<R = unknown> = WindowResult<R>;

/**
 * Windowed aggregation over a stream, as a member of a consumer group. Each `step` reads a batch,
 * runs it through the windows of its partition, and commits — in one atomic step — the consumed
 * offsets, the changed window state and the results (and late records) it produced. A crash at
 * any moment therefore leaves either all of a step or none of it, and whoever owns the partition
 * next resumes from exactly that checkpoint: no record is lost or counted twice, and the results
 * are the ones an uninterrupted run would have produced (their ids included).
 *
 * Windows are per partition, so a key should be a function of the partition key (the default
 * aggregation key is the record's key). Each partition's watermark follows its own records: a
 * partition that receives nothing does not close its windows.
 */
export class WindowedAggregation<V = unknown, A = unknown, R = A> implements AsyncDisposable {
  readonly stream: Stream;
  readonly group: string;
  readonly #options: WindowedAggregationOptions<V, A, R>;
  readonly #resolved: Resolved;
  readonly #settings: Settings;
  readonly #consumer: StreamConsumer;
  readonly #partitions = new Map<number, PartitionWindows>();
  /** Totals since this instance started. */
  readonly totals = { records: 0, results: 0, late: 0, rewinds: 0 };

  constructor(stream: Stream, options: WindowedAggregationOptions<V, A, R>) {
    this.#resolved = resolveOptions(options as unknown as WindowedAggregationOptions<never, never, never>);
    this.#options = options;
    this.stream = stream;
    this.group = options.group;
    this.#settings = {
      window: this.#resolved.window,
      agg: options.aggregate as Aggregation<unknown, unknown, unknown>,
      maxOutOfOrderMs: this.#resolved.maxOutOfOrderMs,
      allowedLatenessMs: this.#resolved.allowedLatenessMs,
    };
    this.#consumer = stream.consumer(options.group, { ...options.consumer, start: options.start ?? 'earliest', onRebalance: (c) => this.#rebalance(c) });
  }

  /** The partitions this member aggregates now. */
  get assignment(): number[] {
    return this.#consumer.assignment;
  }

  get memberId(): string | undefined {
    return this.#consumer.memberId;
  }

  /** Reads one batch (waiting up to `waitMs` for it), aggregates it and commits. */
  async step(options: { waitMs?: number; signal?: AbortSignal } = {}): Promise<StepResult> {
    const records = await this.#consumer.poll({ max: this.#resolved.maxBatch, waitMs: options.waitMs ?? 0, ...(options.signal ? { signal: options.signal } : {}) });
    const outcome: StepResult = { records: records.length, results: 0, late: 0, rewound: false };
    if (records.length === 0) return outcome;
    const results: StreamMessage[] = [];
    const late: StreamRecord[] = [];
    for (const record of records) {
      const windows = this.#partitions.get(record.partition);
      if (!windows) throw new Error(`internal: no windows for partition ${record.partition}`);
      const { late: isLate, results: fired } = windows.process(this.#keyOf(record), this.#timeOf(record), this.#valueOf(record));
      if (isLate) late.push(record);
      fired.forEach((r, i) => {
        if (!this.#options.emitWhen || this.#options.emitWhen(r as WindowResult<R>)) results.push(resultMessage(r, `w-${record.partition}-${record.offset}-${i}`));
      });
    }
    const state = [...this.#partitions].flatMap(([p, w]) => w.checkpoint(p));
    const outputs = sinkOutputs(this.#resolved.emit, results);
    if (this.#resolved.late !== 'drop' && late.length > 0) merge(outputs, sinkOutputs(this.#resolved.late, late.map(lateMessage)));
    try {
      await this.#consumer.commit({ state, ...outputs });
    } catch (err) {
      // Whatever went wrong, the in-memory windows are now ahead of the checkpoint: go back to it.
      await this.#consumer.rewind();
      this.totals.rewinds++;
      if (isSwitchyardError(err, ErrorCode.NotPartitionOwner)) return { ...outcome, rewound: true };
      throw err;
    }
    outcome.results = results.length;
    outcome.late = late.length;
    this.totals.records += records.length;
    this.totals.results += results.length;
    this.totals.late += late.length;
    return outcome;
  }

  /** Steps until the signal aborts (long-polling `waitMs` at a time). */
  async run(options: { signal: AbortSignal; waitMs?: number }): Promise<void> {
    while (!options.signal.aborted) {
      try {
        await this.step({ waitMs: options.waitMs ?? 1000, signal: options.signal });
      } catch (err) {
        if (options.signal.aborted && isSwitchyardError(err, ErrorCode.Aborted)) return;
        throw err;
      }
    }
  }

  /** Leaves the group (its partitions, and their checkpoints, move to the other members). */
  async close(): Promise<void> {
    await this.#consumer.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #rebalance(change: RebalanceChange): Promise<void> {
    for (const p of change.lost) this.#partitions.delete(p);
    for (const p of change.gained) this.#partitions.set(p, new PartitionWindows(this.#settings, await this.#consumer.loadState(p)));
  }

  #keyOf(r: StreamRecord): string {
    return this.#options.key ? this.#options.key(r) : (r.key ?? '');
  }

  #timeOf(r: StreamRecord): number {
    return this.#options.timestamp ? this.#options.timestamp(r) : r.timestamp;
  }

  #valueOf(r: StreamRecord): unknown {
    return this.#options.value ? this.#options.value(r) : r.body;
  }
}

/** A result as a record: keyed by the aggregation key, stamped with the window's last instant. */
function resultMessage(r: WindowResult, id: string): StreamMessage {
  const body = { key: r.key, start: r.start, end: r.end, value: r.value, revision: r.revision } as WindowResultBody as unknown as Body;
  const m: StreamMessage = { id, type: 'window.result', body, timestamp: r.end - 1 };
  if (r.key !== '') m.key = r.key;
  return m;
}

/** A late record, forwarded as it was, saying where it came from. */
function lateMessage(r: StreamRecord): StreamMessage {
  const m: StreamMessage = { id: r.id, type: r.type, body: r.body, timestamp: r.timestamp, headers: { ...r.headers, 'late-source': `${r.stream}/${r.partition}/${r.offset}` } };
  if (r.key !== undefined) m.key = r.key;
  return m;
}

type Outputs = { appends: { stream: string; messages: StreamMessage[] }[]; publishes: { topic: string; messages: OutgoingMessage[] }[] };

function sinkOutputs(sink: Sink, messages: StreamMessage[]): Outputs {
  if (messages.length === 0) return { appends: [], publishes: [] };
  return 'stream' in sink ? { appends: [{ stream: sink.stream, messages }], publishes: [] } : { appends: [], publishes: [{ topic: sink.topic, messages }] };
}

function merge(into: Outputs, more: Outputs): void {
  into.appends.push(...more.appends);
  into.publishes.push(...more.publishes);
}
