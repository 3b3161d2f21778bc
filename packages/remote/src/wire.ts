import { BodyKind, type Delivery, type EncodedBody, type EnqueueEntry, type PeekedMessage, type StreamRecord } from '@switchyard/core';

/**
 * Messages between the engine contracts and the JSON API. The API carries a body as JSON under
 * `body` (a JSON string is text, as in the library) or as bytes under `bodyBase64`, which maps
 * one to one onto the three body kinds.
 */
export interface WireMessage {
  body?: unknown;
  bodyBase64?: string;
  [field: string]: unknown;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * The request body for a batch of entries, as JSON text. A JSON body is spliced in as the text
 * the facade already encoded, rather than parsed here only to be serialised again.
 */
export function entriesToJson(entries: readonly EnqueueEntry[]): string {
  return `{"messages":${messagesJson(entries)}}`;
}

/** A batch of entries as a JSON array of API messages (see `entriesToJson`). */
export function messagesJson(entries: readonly EnqueueEntry[]): string {
  return `[${entries.map(entryToJson).join(',')}]`;
}

function entryToJson(entry: EnqueueEntry): string {
  const { body, ...meta } = entry;
  const head = JSON.stringify(meta); // never '{}': id, type, headers and timestamp are always there
  return `${head.slice(0, -1)},${bodyField(body)}}`;
}

function bodyField(body: EncodedBody): string {
  switch (body.kind) {
    case BodyKind.json:
      return `"body":${decoder.decode(body.data)}`;
    case BodyKind.text:
      return `"body":${JSON.stringify(decoder.decode(body.data))}`;
    default:
      return `"bodyBase64":"${Buffer.from(body.data.buffer, body.data.byteOffset, body.data.byteLength).toString('base64')}"`;
  }
}

/** The encoded body of a message the server sent. */
export function bodyFromWire(m: WireMessage): EncodedBody {
  if (typeof m.bodyBase64 === 'string') return { kind: BodyKind.bytes, data: new Uint8Array(Buffer.from(m.bodyBase64, 'base64')) };
  if (typeof m.body === 'string') return { kind: BodyKind.text, data: encoder.encode(m.body) };
  return { kind: BodyKind.json, data: encoder.encode(JSON.stringify(m.body ?? null)) };
}

export function deliveryFromWire(m: WireMessage): Delivery<EncodedBody> {
  const { body: _body, bodyBase64: _bytes, ...rest } = m;
  return { ...rest, body: bodyFromWire(m) } as unknown as Delivery<EncodedBody>;
}

export function peekedFromWire(m: WireMessage): PeekedMessage<EncodedBody> {
  const { body: _body, bodyBase64: _bytes, ...rest } = m;
  return { ...rest, body: bodyFromWire(m) } as unknown as PeekedMessage<EncodedBody>;
}

export function recordFromWire(m: WireMessage): StreamRecord<EncodedBody> {
  const { body: _body, bodyBase64: _bytes, ...rest } = m;
  return { ...rest, body: bodyFromWire(m) } as unknown as StreamRecord<EncodedBody>;
}
