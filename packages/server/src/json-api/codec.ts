import { InvalidArgumentError, type Body, type Delivery, type OutgoingMessage, type PeekedMessage } from '@switchyard/core';

/**
 * Messages on the JSON API. A body is any JSON value under `body` (a JSON string travels as text,
 * as in the library), or bytes under `bodyBase64`; never both.
 */
export interface WireOutgoing extends Omit<OutgoingMessage, 'body'> {
  body?: unknown;
  bodyBase64?: string;
}

const base64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function fromWire(m: unknown, index: number): OutgoingMessage {
  const at = `messages[${index}]`;
  if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new InvalidArgumentError(at, 'must be an object');
  const { body, bodyBase64, ...rest } = m as WireOutgoing;
  if ((body === undefined) === (bodyBase64 === undefined)) throw new InvalidArgumentError(at, 'needs exactly one of body and bodyBase64');
  let decoded: Body;
  if (bodyBase64 !== undefined) {
    if (typeof bodyBase64 !== 'string' || bodyBase64.length % 4 !== 0 || !base64.test(bodyBase64)) {
      throw new InvalidArgumentError(`${at}.bodyBase64`, 'is not valid base64');
    }
    decoded = new Uint8Array(Buffer.from(bodyBase64, 'base64'));
  } else {
    decoded = body as Body;
  }
  return { ...rest, body: decoded };
}

type WireBody = { body: unknown } | { bodyBase64: string };

/** A body as the API shows it: JSON under `body`, bytes as base64 under `bodyBase64`. */
export function wireBody(body: Body): WireBody {
  return body instanceof Uint8Array ? { bodyBase64: Buffer.from(body).toString('base64') } : { body };
}

export function deliveryToWire(d: Delivery): Record<string, unknown> {
  // A text or JSON body travels as it is, so the delivery (fresh from the engine) is its own wire
  // form: no copy of its fields per message.
  if (!(d.body instanceof Uint8Array)) return d as unknown as Record<string, unknown>;
  const { body, ...rest } = d;
  return { ...rest, ...wireBody(body) };
}

export function peekedToWire(m: PeekedMessage): Record<string, unknown> {
  const { body, ...rest } = m;
  return { ...rest, ...wireBody(body) };
}
