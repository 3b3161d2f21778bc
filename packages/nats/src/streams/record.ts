import type { StoredMsg } from '@nats-io/jetstream';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { headersSize, type EncodedBody, type StreamEntry, type StreamRecord } from '@switchyard/core';
import { decodeEnvelope, encodeEnvelope } from '../codec.js';

/**
 * What every record carries besides the message, in one NATS header, so the partition's
 * bookkeeping needs no second store: when it was appended (engine clock), its size as counted
 * for `maxBytes`, and running values over the partition up to and including this record — the
 * bytes of the records before it, and the largest appendedAt and timestamp so far. Running
 * values never decrease along the log, which turns "bytes held", "the first record appended
 * after T" and "the first record with a timestamp at or after T" into binary searches.
 */
export interface LogEntry {
  appendedAt: number;
  timestamp: number;
  size: number;
  /** Bytes of the records before this one (since the partition was last empty). */
  before: number;
  maxAppendedAt: number;
  maxTimestamp: number;
}

/** The end of a partition's log as the next append needs it. */
export interface Tail {
  /** The partition stream's last sequence (its end offset). */
  lastSeq: number;
  /** Whether the partition holds records (after retention removed all of them it does not). */
  held: boolean;
  /** Running values after the last record (zero and -Infinity for an empty partition). */
  bytes: number;
  maxAppendedAt: number;
  maxTimestamp: number;
}

export const logHeader = 'Switchyard-Log';

export const emptyTail = (lastSeq: number): Tail => ({ lastSeq, held: false, bytes: 0, maxAppendedAt: -Infinity, maxTimestamp: -Infinity });

export function tailAfter(seq: number, e: LogEntry): Tail {
  return { lastSeq: seq, held: true, bytes: e.before + e.size, maxAppendedAt: e.maxAppendedAt, maxTimestamp: e.maxTimestamp };
}

export function recordSize(e: StreamEntry): number {
  return e.body.data.byteLength + headersSize(e.headers) + (e.key === undefined ? 0 : Buffer.byteLength(e.key));
}

/** The log entry of `e` appended after `prev`. */
export function nextEntry(prev: Tail, e: StreamEntry, appendedAt: number): LogEntry {
  return {
    appendedAt,
    timestamp: e.timestamp,
    size: recordSize(e),
    before: prev.bytes,
    maxAppendedAt: Math.max(prev.maxAppendedAt, appendedAt),
    maxTimestamp: Math.max(prev.maxTimestamp, e.timestamp),
  };
}

export function encodeRecord(e: StreamEntry, log: LogEntry): { data: Uint8Array; headers: MsgHdrs } {
  const m = { id: e.id, type: e.type, body: e.body, headers: e.headers, timestamp: e.timestamp, ...(e.key === undefined ? {} : { key: e.key }) };
  const h = natsHeaders();
  h.set(logHeader, [log.appendedAt, log.timestamp, log.size, log.before, log.maxAppendedAt, log.maxTimestamp].join(' '));
  return { data: encodeEnvelope(m), headers: h };
}

export function parseLog(m: StoredMsg): LogEntry {
  const v = (m.header?.get(logHeader) ?? '').split(' ').map(Number);
  if (v.length !== 6 || v.some((n) => !Number.isFinite(n))) throw new Error(`record ${m.seq} on ${m.subject} has no ${logHeader} header: it was not appended by Switchyard`);
  const [appendedAt, timestamp, size, before, maxAppendedAt, maxTimestamp] = v as [number, number, number, number, number, number];
  return { appendedAt, timestamp, size, before, maxAppendedAt, maxTimestamp };
}

export function toRecord(stream: string, partition: number, m: StoredMsg): StreamRecord<EncodedBody> {
  const { dedupId: _, ...message } = decodeEnvelope(m.data);
  return { ...message, stream, partition, offset: m.seq - 1, appendedAt: parseLog(m).appendedAt };
}
