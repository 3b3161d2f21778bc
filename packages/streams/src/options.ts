import { checkInt, checkStreamName, checkTopicName, InvalidArgumentError, type ConsumerOptions, type StreamRecord } from '@switchyard/core';
import type { Aggregation } from './aggregations.js';
import type { WindowResult } from './partition-windows.js';
import { checkWindowSpec, type WindowSpec } from './windows.js';

/** Where results (or late records) go: appended to a stream, or published to a topic. */
export type Sink = { stream: string } | { topic: string };

export interface WindowedAggregationOptions<V = unknown, A = unknown, R = A> {
  /** The consumer group the aggregation runs as; its offsets and window state live there. */
  group: string;
  window: WindowSpec;
  aggregate: Aggregation<V, A, R>;
  /** Where results go. */
  emit: Sink;
  /** Emit only results that pass (say, counts over a threshold). All by default. */
  emitWhen?: (result: WindowResult<R>) => boolean;
  /** The aggregation key. Default: the record's key (records without one share the key ""). */
  key?: (record: StreamRecord) => string;
  /** What is aggregated. Default: the record's body. */
  value?: (record: StreamRecord) => V;
  /** Event time. Default: the record's timestamp. */
  timestamp?: (record: StreamRecord) => number;
  /** How far behind the largest timestamp seen (per partition) the watermark trails. Default 0. */
  maxOutOfOrderMs?: number;
  /** How long after a window fires late records still update it. Default 0. */
  allowedLatenessMs?: number;
  /** Records too late for any window: dropped (counted) or sent to a side output. Default 'drop'. */
  late?: 'drop' | Sink;
  /** Records per step. Default 500. */
  maxBatch?: number;
  /** The group member's settings (static member id, session timeout). */
  consumer?: Omit<ConsumerOptions, 'onRebalance' | 'start'>;
  /** Where a new group starts. Default 'earliest' (an aggregation usually wants the whole log). */
  start?: 'earliest' | 'latest';
}

export interface Resolved {
  window: WindowSpec;
  maxOutOfOrderMs: number;
  allowedLatenessMs: number;
  maxBatch: number;
  emit: Sink;
  late: 'drop' | Sink;
}

const day = 24 * 3600_000;

export function resolveOptions(o: WindowedAggregationOptions<never, never, never>): Resolved {
  if (typeof o !== 'object' || o === null) throw new InvalidArgumentError('options', 'must be an object');
  const window = checkWindowSpec(o.window);
  const agg = o.aggregate as Aggregation<unknown, unknown, unknown> | undefined;
  if (!agg || typeof agg.init !== 'function' || typeof agg.add !== 'function') throw new InvalidArgumentError('aggregate', 'must have init() and add()');
  if (window.kind === 'session' && typeof agg.merge !== 'function') throw new InvalidArgumentError('aggregate', 'session windows need merge() to join sessions');
  for (const f of ['key', 'value', 'timestamp', 'emitWhen'] as const) {
    if (o[f] !== undefined && typeof o[f] !== 'function') throw new InvalidArgumentError(f, 'must be a function');
  }
  return {
    window,
    maxOutOfOrderMs: checkInt('maxOutOfOrderMs', o.maxOutOfOrderMs ?? 0, { min: 0, max: 30 * day }),
    allowedLatenessMs: checkInt('allowedLatenessMs', o.allowedLatenessMs ?? 0, { min: 0, max: 30 * day }),
    maxBatch: checkInt('maxBatch', o.maxBatch ?? 500, { min: 1, max: 10_000 }),
    emit: checkSink('emit', o.emit),
    late: o.late === undefined || o.late === 'drop' ? 'drop' : checkSink('late', o.late),
  };
}

function checkSink(field: string, sink: unknown): Sink {
  if (typeof sink === 'object' && sink !== null) {
    if ('stream' in sink && !('topic' in sink)) return { stream: checkStreamName((sink as { stream: unknown }).stream) };
    if ('topic' in sink && !('stream' in sink)) return { topic: checkTopicName((sink as { topic: unknown }).topic) };
  }
  throw new InvalidArgumentError(field, 'must be { stream } or { topic }');
}
