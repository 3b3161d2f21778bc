import { BodyKind, TextBody, type Delivery, type EncodedBody, type Message } from '@switchyard/core';
import type { MessageRow, QueueRow } from './rows.js';
import { formatSequence } from './sequence.js';

/** The envelope stored in a row (body still encoded). */
export function toMessage(row: MessageRow): Message<EncodedBody> {
  return toEnvelope(row.id, row.type, row.body_kind, row.body, row.headers, row.key, row.dedup_id, row.ts);
}

/** The envelope from a row's columns, for callers that read rows as arrays (see lease.ts). */
export function toEnvelope(
  id: string,
  type: string,
  bodyKind: number,
  body: Buffer | string | null | undefined,
  headers: string | null,
  key: string | null,
  dedupId: string | null,
  ts: number,
): Message<EncodedBody> {
  const m: Message<EncodedBody> = {
    id,
    type,
    body: storedBodyOf(bodyKind as BodyKind, body ?? Buffer.alloc(0)),
    headers: headers ? (JSON.parse(headers) as Record<string, string>) : {},
    timestamp: ts,
  };
  if (key !== null) m.key = key;
  if (dedupId !== null) m.dedupId = dedupId;
  return m;
}

/** A body as stored: TEXT for text and JSON sent as strings, a BLOB otherwise (see enqueue.ts). */
function storedBodyOf(kind: BodyKind, body: Buffer | string): EncodedBody {
  if (typeof body !== 'string') return { kind, data: body };
  return kind === BodyKind.bytes ? { kind, data: Buffer.from(body, 'utf8') } : new TextBody(kind, body);
}

/** What a lease adds to a message: where it is, its receipt, and its receive count and times. */
export interface LeaseFacts {
  seq: number;
  /** The receipt of this lease for this message (receipt.ts). */
  receipt: string;
  attempt: number;
  enqueuedAt: number;
  firstReceivedAt: number;
}

/** `m` (fresh, owned by the caller) as the delivery of one lease; the same object, completed. */
export function toDelivery(m: Message<EncodedBody>, q: QueueRow, f: LeaseFacts): Delivery<EncodedBody> {
  const d = m as Delivery<EncodedBody>;
  d.queue = q.name;
  d.receipt = f.receipt;
  d.attempt = f.attempt;
  d.enqueuedAt = f.enqueuedAt;
  d.firstReceivedAt = f.firstReceivedAt;
  d.sequence = formatSequence(f.seq);
  return d;
}
