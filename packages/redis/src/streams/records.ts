import { headersSize, murmur2, toPositive, type EncodedBody, type StreamEntry, type StreamRecord } from '@switchyard/core';
import { asBuffer } from '../codec.js';

export type Arg = string | number | Buffer;

/**
 * An append block for the scripts (see lua/stream-prelude.ts): the stream, the entry count, then
 * per entry id, type, kind, body, headers, hasKey, key, timestamp, partition ('' to let the
 * script choose), the key's hash ('' without a key) and the size retention counts. The hash is
 * Kafka's (`toPositive(murmur2(key))`); the script takes it modulo the partition count, which
 * only it knows for sure.
 */
export function appendBlock(stream: string, entries: readonly StreamEntry[]): Arg[] {
  const args: Arg[] = [stream, entries.length];
  for (const e of entries) {
    const key = e.key === undefined ? undefined : Buffer.from(e.key, 'utf8');
    args.push(
      e.id,
      e.type,
      e.body.kind,
      asBuffer(e.body.data),
      Object.keys(e.headers).length === 0 ? '' : JSON.stringify(e.headers),
      key ? '1' : '0',
      e.key ?? '',
      e.timestamp,
      e.partition ?? '',
      key ? toPositive(murmur2(key)) : '',
      // As the SQLite engine counts a record for maxBytes: body, header and key bytes.
      e.body.data.byteLength + headersSize(e.headers) + (key?.byteLength ?? 0),
    );
  }
  return args;
}

/** An XRANGE row as the append script wrote it: `[offset-1, [at, …, body]]` (fields by position). */
export type RecordRow = [Buffer, Buffer[]];

export function toRecord(stream: string, partition: number, [id, f]: RecordRow): StreamRecord<EncodedBody> {
  const text = (i: number) => (f[2 * i + 1] as Buffer).toString();
  const idText = id.toString();
  const headers = text(9);
  const r: StreamRecord<EncodedBody> = {
    stream,
    partition,
    offset: Number(idText.slice(0, idText.indexOf('-'))),
    id: text(3),
    type: text(4),
    body: { kind: Number(text(5)) as EncodedBody['kind'], data: f[21] as Buffer },
    headers: headers === '' ? {} : (JSON.parse(headers) as Record<string, string>),
    timestamp: Number(text(8)),
    appendedAt: Number(text(0)),
  };
  if (text(6) === '1') r.key = text(7);
  return r;
}
