import { BodyKind, TextBody, type Delivery, type EncodedBody, type Message } from '@switchyard/core';
import { formatReceipt } from './receipt.js';
import type { MessageRow, QueueRow } from './rows.js';
import { formatSequence } from './sequence.js';

/** The envelope stored in a row (body still encoded; select it with `bodyColumn`). */
export function toMessage(row: MessageRow): Message<EncodedBody> {
  const m: Message<EncodedBody> = {
    id: row.id,
    type: row.type,
    body: storedBodyOf(row),
    headers: row.headers ? (JSON.parse(row.headers) as Record<string, string>) : {},
    timestamp: row.ts,
  };
  if (row.key !== null) m.key = row.key;
  if (row.dedup_id !== null) m.dedupId = row.dedup_id;
  return m;
}

/** A row's body as stored: TEXT for text and JSON sent as strings, a BLOB otherwise (see enqueue.ts). */
function storedBodyOf(row: MessageRow): EncodedBody {
  const kind = row.body_kind as BodyKind;
  const body = row.body ?? Buffer.alloc(0);
  if (typeof body !== 'string') return { kind, data: body };
  return kind === BodyKind.bytes ? { kind, data: Buffer.from(body, 'utf8') } : new TextBody(kind, body);
}

/** What a lease adds to a message: where it is, its receipt, and its receive count and times. */
export interface LeaseFacts {
  seq: number;
  lease: number;
  attempt: number;
  enqueuedAt: number;
  firstReceivedAt: number;
}

/** `m` (fresh, owned by the caller) as the delivery of one lease; the same object, completed. */
export function toDelivery(m: Message<EncodedBody>, q: QueueRow, f: LeaseFacts): Delivery<EncodedBody> {
  const d = m as Delivery<EncodedBody>;
  d.queue = q.name;
  d.receipt = formatReceipt({ queueId: q.id, seq: f.seq, lease: f.lease });
  d.attempt = f.attempt;
  d.enqueuedAt = f.enqueuedAt;
  d.firstReceivedAt = f.firstReceivedAt;
  d.sequence = formatSequence(f.seq);
  return d;
}
