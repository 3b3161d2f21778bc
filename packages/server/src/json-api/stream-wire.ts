import { wireBody } from './codec.js';
import {
  type Body,
  AssignmentStrategy,
  checkInt,
  checkInteger,
  checkMemberId,
  checkStreamName,
  checkTopicName,
  decodeRecord,
  groupDefaults,
  groupLimits,
  InvalidArgumentError,
  prepareEntries,
  prepareStreamEntries,
  streamLimits,
  type Clock,
  type CommitRequest,
  type EncodedBody,
  type JoinRequest,
  type MessageLimits,
  type ReadRequest,
  type StateChange,
  type StateEntry,
  type StreamRecord,
} from '@switchyard/core';
import { fromWire } from './codec.js';

/**
 * Request and response bodies of the stream routes. The engine trusts its arguments (the `Stream`
 * facade validates them in-process), so every body that goes to `broker.engine.streams` directly
 * is checked here first, with the facade's field names and limits: bad input is a 400, never an
 * engine failure. Bytes travel as base64 (`bodyBase64`, `valueBase64`), as in codec.ts.
 */

type Json = Record<string, unknown>;

function object(value: unknown, field: string, known: readonly string[]): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidArgumentError(field, 'must be an object');
  for (const key of Object.keys(value)) if (!known.includes(key)) throw new InvalidArgumentError(`${field}.${key}`, 'is not a known field');
  return value as Json;
}

function list(value: unknown, field: string, max: number): unknown[] {
  if (!Array.isArray(value)) throw new InvalidArgumentError(field, 'must be an array');
  if (value.length > max) throw new InvalidArgumentError(field, `holds more than ${max} items`);
  return value;
}

/** `[{ partition, offset }]`, integers; the engine checks them against the stream. */
function positions(value: unknown, field: string): { partition: number; offset: number }[] {
  return list(value, field, streamLimits.partitions.max).map((p, i) => {
    const at = `${field}[${i}]`;
    const o = object(p, at, ['partition', 'offset']);
    return { partition: checkInteger(`${at}.partition`, o.partition), offset: checkInteger(`${at}.offset`, o.offset) };
  });
}

/** `{ from, max = 100, waitMs = 0 }`: at least one position; limits as `Stream.read`. */
export function readRequest(body: unknown, limits: MessageLimits): ReadRequest {
  const o = object(body ?? {}, 'request', ['from', 'max', 'waitMs']);
  const from = positions(o.from, 'from');
  if (from.length === 0) throw new InvalidArgumentError('from', 'must name at least one partition');
  return { from, max: checkInt('max', o.max ?? 100, { min: 1, max: limits.maxBatch }), waitMs: checkInt('waitMs', o.waitMs ?? 0, streamLimits.waitMs) };
}

/** `{ memberId?, sessionTimeoutMs?, strategy?, start? }` with the consumer's defaults. */
export function joinRequest(body: unknown): JoinRequest {
  const o = object(body ?? {}, 'request', ['memberId', 'sessionTimeoutMs', 'strategy', 'start']);
  const strategy = o.strategy ?? groupDefaults.strategy;
  if (!Object.values(AssignmentStrategy).includes(strategy as AssignmentStrategy)) {
    throw new InvalidArgumentError('strategy', `must be one of ${Object.values(AssignmentStrategy).join(', ')}`);
  }
  const start = o.start ?? groupDefaults.start;
  if (start !== 'earliest' && start !== 'latest') throw new InvalidArgumentError('start', 'must be "earliest" or "latest"');
  const request: JoinRequest = {
    sessionTimeoutMs: checkInt('sessionTimeoutMs', o.sessionTimeoutMs ?? groupDefaults.sessionTimeoutMs, groupLimits.sessionTimeoutMs),
    strategy: strategy as AssignmentStrategy,
    start,
  };
  if (o.memberId !== undefined) request.memberId = checkMemberId(o.memberId);
  return request;
}

/** `{ memberId }` of heartbeat and leave. */
export function memberOf(body: unknown): string {
  return checkMemberId(object(body ?? {}, 'request', ['memberId']).memberId);
}

const base64 = /^[A-Za-z0-9+/]*={0,2}$/;

function bytes(value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string' || value.length % 4 !== 0 || !base64.test(value)) throw new InvalidArgumentError(field, 'is not valid base64');
  return new Uint8Array(Buffer.from(value, 'base64'));
}

function stateChange(value: unknown, at: string): StateChange {
  const o = object(value, at, ['partition', 'key', 'valueBase64']);
  if (typeof o.key !== 'string' || o.key.length === 0 || o.key.length > groupLimits.stateKeyLength) {
    throw new InvalidArgumentError(`${at}.key`, `must be a string of 1 to ${groupLimits.stateKeyLength} characters`);
  }
  if (o.valueBase64 === undefined) throw new InvalidArgumentError(`${at}.valueBase64`, 'is required (null deletes the key)');
  return { partition: checkInteger(`${at}.partition`, o.partition), key: o.key, value: o.valueBase64 === null ? null : bytes(o.valueBase64, `${at}.valueBase64`) };
}

/** A commit's outputs may be empty (the engine contract allows it); otherwise they are validated as an append or publish would be. */
function outputs(value: unknown, field: string, kind: 'stream' | 'topic', limits: MessageLimits, clock: Clock) {
  return list(value ?? [], field, limits.maxBatch).map((v, i) => {
    const at = `${field}[${i}]`;
    const o = object(v, at, [kind, 'messages']);
    const name = kind === 'stream' ? checkStreamName(o.stream) : checkTopicName(o.topic);
    const messages = list(o.messages, `${at}.messages`, limits.maxBatch).map(fromWire);
    const entries = messages.length === 0 ? [] : kind === 'stream' ? prepareStreamEntries(messages, limits, clock) : prepareEntries(messages, limits, clock);
    return { name, entries };
  });
}

/**
 * `{ memberId, generation, offsets, state?, appends?, publishes? }`. Also returns the streams and
 * topics the commit writes to, which the caller must be allowed to send to.
 */
export function commitRequest(body: unknown, limits: MessageLimits, clock: Clock): { request: CommitRequest; writesTo: string[] } {
  const o = object(body ?? {}, 'request', ['memberId', 'generation', 'offsets', 'state', 'appends', 'publishes']);
  const request: CommitRequest = { memberId: checkMemberId(o.memberId), generation: checkInteger('generation', o.generation), offsets: positions(o.offsets, 'offsets') };
  if (o.state !== undefined) request.state = list(o.state, 'state', limits.maxBatch).map((c, i) => stateChange(c, `state[${i}]`));
  const appends = outputs(o.appends, 'appends', 'stream', limits, clock);
  const publishes = outputs(o.publishes, 'publishes', 'topic', limits, clock);
  if (o.appends !== undefined) request.appends = appends.map((a) => ({ stream: a.name, entries: a.entries }));
  if (o.publishes !== undefined) request.publishes = publishes.map((p) => ({ topic: p.name, entries: p.entries }));
  return { request, writesTo: [...appends, ...publishes].map((x) => x.name) };
}

/**
 * An integer from the query string. Only plain decimal digits count (so '' or '1e3' is refused,
 * not read as 0 or 1000); anything else reaches the check as the string it is.
 */
export function queryInt(field: string, raw: unknown): number {
  return checkInteger(field, typeof raw === 'string' && /^-?\d{1,16}$/.test(raw) ? Number(raw) : raw);
}

/** A record as the API shows it: the body as JSON under `body`, or bytes under `bodyBase64`. */
export function recordToWire(r: StreamRecord<EncodedBody>): Json {
  const { body, ...rest } = decodeRecord(r);
  return { ...rest, ...wireBody(body as Body) } as Json;
}

export function stateToWire(e: StateEntry): Json {
  return { key: e.key, valueBase64: Buffer.from(e.value).toString('base64') };
}
