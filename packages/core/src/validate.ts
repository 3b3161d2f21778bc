import { InvalidArgumentError, InvalidNameError } from './errors.js';
import type { Headers } from './message.js';

const queueName = /^[A-Za-z0-9_-]{1,80}$/;
const topicName = /^[A-Za-z0-9_-]{1,256}$/;
const headerName = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * Queue names follow SQS: 1–80 letters, digits, `-` and `_`; a FIFO queue's name ends in `.fifo`
 * (counted in the 80).
 */
export function checkQueueName(name: unknown, fifo?: boolean): string {
  const rule = 'use 1-80 letters, digits, "-" or "_", and end a FIFO queue\'s name with ".fifo"';
  if (typeof name !== 'string' || name.length > 80) throw new InvalidNameError('queue', name, rule);
  const isFifo = name.endsWith('.fifo');
  const stem = isFifo ? name.slice(0, -5) : name;
  if (!queueName.test(stem)) throw new InvalidNameError('queue', name, rule);
  if (fifo !== undefined && fifo !== isFifo) {
    throw new InvalidNameError('queue', name, fifo ? 'a FIFO queue\'s name must end with ".fifo"' : 'only FIFO queues may end with ".fifo"');
  }
  return name;
}

export function checkTopicName(name: unknown): string {
  if (typeof name !== 'string' || !topicName.test(name)) {
    throw new InvalidNameError('topic', name, 'use 1-256 letters, digits, "-" or "_"');
  }
  return name;
}

/** An integer in [min, max]. */
export function checkInt(field: string, value: unknown, range: { min: number; max: number }): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw new InvalidArgumentError(field, `must be an integer from ${range.min} to ${range.max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** true or false. */
export function checkBoolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidArgumentError(field, 'must be a boolean');
  return value;
}

/** An options argument: absent is `{}`; anything but a plain object is refused. */
export function checkOptions<T extends object>(value: T | undefined, field = 'options'): T {
  if (value === undefined) return {} as T;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidArgumentError(field, 'must be an object');
  return value;
}

/** A name prefix for listings: absent, or a string (empty matches everything). */
export function checkPrefix(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > 256) throw new InvalidArgumentError('prefix', 'must be a string of at most 256 characters');
  return value;
}

export function checkString(field: string, value: unknown, maxLength: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw new InvalidArgumentError(field, `must be a string of 1 to ${maxLength} characters`);
  }
  return value;
}

export const headerLimits = { count: 64, valueLength: 16 * 1024 } as const;

/** A string-to-string map with sane names; returns a copy. */
export function checkHeaders(field: string, headers: unknown): Headers {
  if (headers === undefined || headers === null) return {};
  if (typeof headers !== 'object' || Array.isArray(headers)) throw new InvalidArgumentError(field, 'must be an object of strings');
  const out: Headers = {};
  const entries = Object.entries(headers);
  if (entries.length > headerLimits.count) throw new InvalidArgumentError(field, `more than ${headerLimits.count} headers`);
  for (const [k, v] of entries) {
    if (!headerName.test(k)) throw new InvalidArgumentError(`${field}.${k}`, 'header names use 1-128 letters, digits, "_", ".", ":" or "-"');
    if (typeof v !== 'string') throw new InvalidArgumentError(`${field}.${k}`, 'header values must be strings');
    if (v.length > headerLimits.valueLength) throw new InvalidArgumentError(`${field}.${k}`, `longer than ${headerLimits.valueLength} characters`);
    out[k] = v;
  }
  return out;
}

/** Bytes a message's headers add to its size (UTF-8 names and values). */
export function headersSize(headers: Headers): number {
  let n = 0;
  for (const [k, v] of Object.entries(headers)) n += Buffer.byteLength(k) + Buffer.byteLength(v);
  return n;
}
