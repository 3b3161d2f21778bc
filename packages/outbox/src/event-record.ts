import {
  checkInt,
  checkString,
  decodeBody,
  InvalidArgumentError,
  prepareEntries,
  resolveMessageLimits,
  systemClock,
  type Clock,
  type Headers,
  type MessageLimits,
} from '@switchyard/core';
import { checkIdentifier } from './identifiers.js';
import type { EventStoreOptions, ExpectedVersion, NewEvent, ReadAllOptions, ReadStreamOptions, StoredEvent } from './event-store.js';

/** An event validated and encoded for its row. */
export interface EventRecord {
  id: string;
  type: string;
  bodyKind: number;
  body: Buffer;
  /** JSON of the headers. */
  headers: string;
  timestamp: number;
}

/** An events row as either database returns it (PostgreSQL's BIGINTs arrive as strings). */
export interface EventRow {
  position: number | string;
  stream_id: string;
  version: number | string;
  id: string;
  type: string;
  body_kind: number;
  body: Buffer;
  headers: string;
  timestamp: number | string;
  recorded_at: number | string;
}

export interface ResolvedEventStoreOptions {
  table: string;
  clock: Clock;
  limits: MessageLimits;
}

const maxRead = 10_000;
/** Events in one append, as a broker's batch. */
const maxAppend = 1000;

export function resolveEventStoreOptions(options: EventStoreOptions = {}): ResolvedEventStoreOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object');
  return {
    table: checkIdentifier('table', options.table ?? 'switchyard_events'),
    clock: options.clock ?? systemClock,
    limits: resolveMessageLimits({
      maxMessageBytes: checkInt('maxEventBytes', options.maxEventBytes ?? 1024 * 1024, { min: 1024, max: 64 * 1024 * 1024 }),
      maxBatch: maxAppend,
    }),
  };
}

export function checkStreamId(value: unknown): string {
  return checkString('streamId', value, 200);
}

export function checkExpectedVersion(options: unknown): ExpectedVersion {
  const v = (options as { expectedVersion?: unknown } | null | undefined)?.expectedVersion;
  if (v === 'any' || v === 'no-stream') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  throw new InvalidArgumentError('expectedVersion', `must be a version (an integer from 0), "any" or "no-stream", got ${JSON.stringify(v)}`);
}

/** The version the stream must be at, or undefined for `'any'`. */
export function requiredVersion(expected: ExpectedVersion): number | undefined {
  return expected === 'any' ? undefined : expected === 'no-stream' ? 0 : expected;
}

/**
 * Validates events exactly as a broker validates messages (body, headers, sizes, id and type
 * lengths), with field names that say `events[i]`; `type` is required.
 */
export function prepareEvents(events: readonly NewEvent[], limits: MessageLimits, clock: Clock): EventRecord[] {
  if (!Array.isArray(events)) throw new InvalidArgumentError('events', 'must be an array');
  if (events.length === 0) throw new InvalidArgumentError('events', 'must hold at least one event');
  const messages = events.map((e: NewEvent, i) => {
    if (typeof e !== 'object' || e === null) throw new InvalidArgumentError(`events[${i}]`, 'must be an object with a type and a body');
    checkString(`events[${i}].type`, e.type, 256);
    return { id: e.id, type: e.type, body: e.body, headers: e.headers, timestamp: e.timestamp };
  });
  try {
    return prepareEntries(messages, limits, clock).map((m) => ({
      id: m.id,
      type: m.type,
      bodyKind: m.body.kind,
      body: Buffer.from(m.body.data.buffer, m.body.data.byteOffset, m.body.data.byteLength),
      headers: JSON.stringify(m.headers),
      timestamp: m.timestamp,
    }));
  } catch (err) {
    if (err instanceof InvalidArgumentError && err.field.startsWith('messages')) {
      const field = `events${err.field.slice('messages'.length)}`;
      throw new InvalidArgumentError(field, err.message.slice(err.field.length + 2), { cause: err });
    }
    throw err;
  }
}

export function resolveReadStream(options: ReadStreamOptions = {}): { fromVersion: number; max: number } {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object');
  return {
    fromVersion: checkInt('fromVersion', options.fromVersion ?? 1, { min: 1, max: Number.MAX_SAFE_INTEGER }),
    max: checkInt('max', options.max ?? 1000, { min: 1, max: maxRead }),
  };
}

export function resolveReadAll(options: ReadAllOptions = {}): { after: number; max: number } {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object');
  return {
    after: checkInt('after', options.after ?? 0, { min: 0, max: Number.MAX_SAFE_INTEGER }),
    max: checkInt('max', options.max ?? 1000, { min: 1, max: maxRead }),
  };
}

export function toStoredEvent(r: EventRow): StoredEvent {
  return {
    stream: r.stream_id,
    version: Number(r.version),
    position: Number(r.position),
    id: r.id,
    type: r.type,
    body: decodeBody(r.body_kind, r.body),
    headers: JSON.parse(r.headers) as Headers,
    timestamp: Number(r.timestamp),
    recordedAt: Number(r.recorded_at),
  };
}
