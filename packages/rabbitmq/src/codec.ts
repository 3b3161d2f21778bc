import type { ConsumeMessage, GetMessage, Options } from 'amqplib';
import type { EncodedBody, Headers, Message } from '@switchyard/core';

/**
 * A message on the wire: the body bytes as the content, the id and type as AMQP properties, the
 * user's headers as AMQP headers (so a headers exchange can route on them), and the rest of the
 * envelope in `x-sy-*` headers, which headers-exchange bindings ignore.
 */
const H = {
  timestamp: 'x-sy-ts',
  kind: 'x-sy-kind',
  key: 'x-sy-key',
  dedupId: 'x-sy-dedup',
  /** When it entered its current queue, epoch ms. */
  enqueuedAt: 'x-sy-enq',
  /** Receives counted before a delayed retry republished it (the quorum queue's count starts again). */
  receives: 'x-sy-receives',
} as const;

export function toAmqp(m: Message<EncodedBody>, extra: { receives?: number } = {}): { content: Buffer; options: Options.Publish } {
  const headers: Record<string, string> = { ...m.headers };
  headers[H.timestamp] = String(m.timestamp);
  headers[H.kind] = String(m.body.kind);
  headers[H.enqueuedAt] = String(Date.now());
  if (m.key !== undefined) headers[H.key] = m.key;
  if (m.dedupId !== undefined) headers[H.dedupId] = m.dedupId;
  if (extra.receives) headers[H.receives] = String(extra.receives);
  const content = Buffer.from(m.body.data.buffer, m.body.data.byteOffset, m.body.data.byteLength);
  return { content, options: { messageId: m.id, type: m.type, headers, persistent: true } };
}

export interface XDeath {
  reason: string;
  queue: string;
  time?: number;
}

export interface Decoded {
  message: Message<EncodedBody>;
  enqueuedAt: number;
  /** Receives before this delivery: the quorum queue's `x-delivery-count` plus any carried over. */
  previousReceives: number;
  /** The most recent dead-lettering RabbitMQ did itself (delivery limit or expiry), if any. */
  death?: XDeath;
}

export function fromAmqp(msg: ConsumeMessage | GetMessage): Decoded {
  const raw = (msg.properties.headers ?? {}) as Record<string, unknown>;
  const headers: Headers = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k.startsWith('x-')) continue;
    headers[k] = typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString() : String(v);
  }
  const num = (k: string) => (raw[k] === undefined ? undefined : Number(String(raw[k])));
  const message: Message<EncodedBody> = {
    id: String(msg.properties.messageId ?? `amqp-${msg.fields.deliveryTag}`),
    type: String(msg.properties.type ?? 'message'),
    headers,
    timestamp: num(H.timestamp) ?? Date.now(),
    body: { kind: (num(H.kind) ?? 2) as EncodedBody['kind'], data: new Uint8Array(msg.content) },
  };
  if (raw[H.key] !== undefined) message.key = String(raw[H.key]);
  if (raw[H.dedupId] !== undefined) message.dedupId = String(raw[H.dedupId]);
  const decoded: Decoded = {
    message,
    enqueuedAt: num(H.enqueuedAt) ?? Date.now(),
    previousReceives: (num('x-delivery-count') ?? 0) + (num(H.receives) ?? 0),
  };
  const deaths = raw['x-death'];
  if (Array.isArray(deaths) && deaths.length > 0) {
    const d = deaths[0] as { reason?: unknown; queue?: unknown; time?: { value?: unknown } | number };
    const t = typeof d.time === 'object' && d.time ? Number(d.time.value) : Number(d.time);
    decoded.death = { reason: String(d.reason), queue: String(d.queue), time: Number.isFinite(t) ? t * 1000 : undefined };
  }
  return decoded;
}
