import type { EncodedBody, Headers, Message } from '@switchyard/core';

/**
 * The envelope on the wire: a 4-byte big-endian length, the metadata as JSON, then the body bytes
 * untouched. Header values are arbitrary strings (newlines included), which NATS headers cannot
 * carry, so the envelope travels in the payload; NATS headers carry only `Nats-Msg-Id`.
 */
interface Meta {
  i: string;
  t: string;
  h: Headers;
  k?: string;
  d?: string;
  ts: number;
  b: EncodedBody['kind'];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeEnvelope(m: Message<EncodedBody>): Uint8Array {
  const meta: Meta = { i: m.id, t: m.type, h: m.headers, ts: m.timestamp, b: m.body.kind };
  if (m.key !== undefined) meta.k = m.key;
  if (m.dedupId !== undefined) meta.d = m.dedupId;
  const head = encoder.encode(JSON.stringify(meta));
  const out = new Uint8Array(4 + head.length + m.body.data.length);
  new DataView(out.buffer).setUint32(0, head.length);
  out.set(head, 4);
  out.set(m.body.data, 4 + head.length);
  return out;
}

/** Throws on a payload that is not an envelope (a message some other client put on the subject). */
export function decodeEnvelope(data: Uint8Array): Message<EncodedBody> {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const len = view.getUint32(0);
  const meta = JSON.parse(decoder.decode(data.subarray(4, 4 + len))) as Meta;
  const m: Message<EncodedBody> = {
    id: meta.i,
    type: meta.t,
    headers: meta.h,
    timestamp: meta.ts,
    body: { kind: meta.b, data: data.slice(4 + len) },
  };
  if (meta.k !== undefined) m.key = meta.k;
  if (meta.d !== undefined) m.dedupId = meta.d;
  return m;
}
