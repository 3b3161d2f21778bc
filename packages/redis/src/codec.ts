import { contentDedupId, type Delivery, type EncodedBody, type EnqueueEntry, type Message, type QueueInfo } from '@switchyard/core';

/** Fields per entry in the insert script's arguments (see lua/insert.ts). */
export const entryFields = 11;

/** One entry as script arguments. `fifo`: a target is a FIFO queue, so send the content hash. */
export function entryArgs(e: EnqueueEntry, fifo: boolean): (string | number | Buffer)[] {
  return [
    e.id,
    e.type,
    e.body.kind,
    asBuffer(e.body.data),
    Object.keys(e.headers).length === 0 ? '' : JSON.stringify(e.headers),
    e.key === undefined ? '0' : '1',
    e.key ?? '',
    e.dedupId ?? '',
    fifo && e.dedupId === undefined ? contentDedupId(e.body) : '',
    e.timestamp,
    e.delayMs === undefined ? '' : e.delayMs,
  ];
}

/** FIFO queues are exactly those whose names end in `.fifo` (the facade enforces it). */
export function isFifoName(queue: string): boolean {
  return queue.endsWith('.fifo');
}

/** Decodes `{id, type, kind, body, headers, hasKey, key, dedup, ts}` from a Buffer reply. */
export function toMessage(f: Buffer[]): Message<EncodedBody> {
  const text = (i: number) => (f[i] as Buffer).toString();
  const headers = text(4);
  const m: Message<EncodedBody> = {
    id: text(0),
    type: text(1),
    body: { kind: Number(text(2)) as EncodedBody['kind'], data: f[3] as Buffer },
    headers: headers === '' ? {} : (JSON.parse(headers) as Record<string, string>),
    timestamp: Number(text(8)),
  };
  if (text(5) === '1') m.key = text(6);
  if (text(7) !== '') m.dedupId = text(7);
  return m;
}

/** A lease reply row: {seq, message fields..., enq, rcv}. */
export function toDelivery(queue: string, queueId: string, lease: string, row: Buffer[]): Delivery<EncodedBody> {
  const seq = (row[0] as Buffer).toString();
  const d = toMessage(row.slice(1, 10)) as Delivery<EncodedBody>;
  d.queue = queue;
  d.receipt = `${queueId}.${seq.replace(/^0+/, '')}.${lease}`;
  d.enqueuedAt = Number((row[10] as Buffer).toString());
  d.attempt = Number(row[11]);
  return d;
}

/** A queue's settings hash as QueueInfo. */
export function toQueueInfo(h: Record<string, string>): QueueInfo {
  return {
    name: h.name as string,
    fifo: h.fifo === '1',
    visibilityTimeoutMs: Number(h.visibilityMs),
    delayMs: Number(h.delayMs),
    retentionMs: Number(h.ret),
    deadLetter: h.dlq ? { queue: h.dlq, maxReceives: Number(h.maxReceives) } : null,
    dedupWindowMs: Number(h.dedupWindowMs),
    createdAt: Number(h.createdAt),
  };
}

export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
