import { partitionForKey, type Broker, type Stream, type StreamOptions, type StreamRecord } from '@switchyard/core';
import { uniqueName } from '../harness.js';

/** Every stream case needs the capability; engines without it skip with their reason. */
export const needsStreams = ['streams'] as const;
/** Cases that drive time (expiry, retention by age, long-poll timeouts) also need streams on the injected clock. */
export const needsStreamsAndClock = ['streams', 'streamClock'] as const;
/** Cases whose commits carry outputs (appends, publishes) stored atomically with the offsets. */
export const needsStreamOutputs = ['streams', 'topics', 'streamTransactions'] as const;

/** Creates a stream with a unique name. */
export function newStream(broker: Broker, options: StreamOptions = {}, stem = 's'): Promise<Stream> {
  return broker.createStream(uniqueName(stem), options);
}

/** A key that Kafka's partitioner puts in `partition` of `partitions` (so cases can aim at one). */
export function keyFor(partition: number, partitions: number, stem = 'k'): string {
  for (let i = 0; ; i++) {
    const key = `${stem}-${i}`;
    if (partitionForKey(key, partitions) === partition) return key;
  }
}

/** Reads one whole partition from its start (no waiting). */
export async function readAll(stream: Stream, partition: number, from?: number): Promise<StreamRecord[]> {
  const offsets = await stream.offsets();
  let offset = from ?? offsets[partition]?.start ?? 0;
  const out: StreamRecord[] = [];
  for (;;) {
    const page = await stream.read({ partition, offset, max: 500 });
    if (page.length === 0) return out;
    out.push(...page);
    offset = (page.at(-1) as StreamRecord).offset + 1;
  }
}

/** Bodies of records, in order. */
export function bodies(records: readonly StreamRecord[]): unknown[] {
  return records.map((r) => r.body);
}

/**
 * Reads a partition as records arrive, from offset 0, as a consumer does — each read starts after
 * the last record it got — until it has `count` records or a read waits `waitMs` in vain. A
 * record committed out of offset order shows up as a gap in what it returns.
 */
export async function follow(stream: Stream, partition: number, count: number, waitMs = 5_000): Promise<StreamRecord[]> {
  const out: StreamRecord[] = [];
  while (out.length < count) {
    const page = await stream.read({ partition, offset: (out.at(-1)?.offset ?? -1) + 1, max: 7, waitMs });
    if (page.length === 0) break;
    out.push(...page);
  }
  return out;
}
