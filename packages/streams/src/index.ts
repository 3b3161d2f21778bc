/**
 * @switchyard/streams: windowed aggregation over Switchyard streams, on event time, with
 * watermarks, allowed lateness and late side outputs, checkpointed atomically with the offsets.
 */
export { average, count, max, min, sum, type Aggregation } from './aggregations.js';
export { WindowedAggregation, type StepResult, type WindowResultBody } from './windowed-aggregation.js';
export type { Sink, WindowedAggregationOptions } from './options.js';
export type { WindowResult } from './partition-windows.js';
export { PartitionWindows } from './partition-windows.js';
export { hopping, session, sliding, tumbling, type TimeWindow, type WindowSpec } from './windows.js';

import type { Stream } from '@switchyard/core';
import type { WindowedAggregationOptions } from './options.js';
import { WindowedAggregation } from './windowed-aggregation.js';

/** Starts a windowed aggregation of `stream` (it joins its group on the first step). */
export function aggregateWindows<V = unknown, A = unknown, R = A>(stream: Stream, options: WindowedAggregationOptions<V, A, R>): WindowedAggregation<V, A, R> {
  return new WindowedAggregation(stream, options);
}
