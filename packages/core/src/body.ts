import { InvalidArgumentError } from './errors.js';
import type { Body, JsonValue } from './message.js';

/** How a body is stored: the engines keep `kind` beside the bytes. */
export const BodyKind = { json: 0, text: 1, bytes: 2 } as const;
export type BodyKind = (typeof BodyKind)[keyof typeof BodyKind];

export interface EncodedBody {
  kind: BodyKind;
  /** The body's bytes (UTF-8 for text and JSON). */
  readonly data: Uint8Array;
  /**
   * A text or JSON body's content as a string, when whoever made this body had one (`encodeBody`,
   * or an engine that stores text as text): the same content as `data`. An engine may store and
   * return this instead, so neither side pays for UTF-8 bytes it does not need.
   */
  readonly text?: string;
}

/**
 * A text or JSON body held as its string; the UTF-8 bytes are made the first time `data` is read
 * (by an engine that stores bytes), once.
 */
export class TextBody implements EncodedBody {
  #data: Uint8Array | undefined;

  constructor(
    readonly kind: typeof BodyKind.json | typeof BodyKind.text,
    readonly text: string,
  ) {}

  get data(): Uint8Array {
    return (this.#data ??= utf8(this.text));
  }
}

const decoder = new TextDecoder();

/** UTF-8 bytes of `text`. Buffer.from rather than TextEncoder: 2.4× faster on a 1 KiB string (Node 20). */
function utf8(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

export function encodeBody(body: Body, field = 'body'): EncodedBody {
  // A lone surrogate becomes U+FFFD here, as UTF-8 encoding always made it; SQLite would otherwise
  // be handed the surrogate's invalid 3-byte form.
  if (typeof body === 'string') return new TextBody(BodyKind.text, body.isWellFormed() ? body : body.toWellFormed());
  if (body instanceof Uint8Array) return { kind: BodyKind.bytes, data: body };
  if (body === undefined) throw new InvalidArgumentError(field, 'is required');
  let text: string | undefined;
  try {
    text = JSON.stringify(body);
  } catch (cause) {
    throw new InvalidArgumentError(field, 'is not serialisable as JSON', { cause });
  }
  if (text === undefined) throw new InvalidArgumentError(field, 'is not serialisable as JSON');
  return new TextBody(BodyKind.json, text);
}

/** The size of an encoded body in bytes, without encoding a text body that has not been. */
export function bodySize(body: EncodedBody): number {
  return body.text !== undefined ? Buffer.byteLength(body.text, 'utf8') : body.data.byteLength;
}

/** The body an encoded body stands for; from its string when it has one. */
export function decodeEncoded(body: EncodedBody): Body {
  const text = body.text;
  if (text === undefined) return decodeBody(body.kind, body.data);
  return body.kind === BodyKind.json ? (JSON.parse(text) as JsonValue) : text;
}

export function decodeBody(kind: number, data: Uint8Array): Body {
  switch (kind) {
    case BodyKind.text:
      return decoder.decode(data);
    case BodyKind.bytes:
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    default:
      return JSON.parse(decoder.decode(data)) as JsonValue;
  }
}
