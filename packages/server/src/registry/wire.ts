/**
 * Request bodies and queries of the registry routes, checked before they reach the registry:
 * unknown fields, wrong types and out-of-range numbers are 400 INVALID_ARGUMENT naming the
 * field. The instance itself is checked by the registry (instanceFromSpec), with its messages.
 */
import { InvalidArgumentError, checkInt } from '@switchyard/core';
import { isHealth, type Health, type InstanceSpec } from '@switchyard/discovery/registry';

type Json = Record<string, unknown>;

/**
 * The longest lease: timers past about 24.8 days fire at once in Node, and an instance that
 * stops renewing should not stay listed for long anyway.
 */
export const maxTtlMs = 86_400_000;
/** The longest a watch's poll may wait, as for queue long polls. */
export const maxWaitMs = 60_000;

function object(value: unknown, field: string, known: readonly string[]): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidArgumentError(field, 'must be an object');
  for (const key of Object.keys(value)) if (!known.includes(key)) throw new InvalidArgumentError(`${field}.${key}`, 'is not a known field');
  return value as Json;
}

const registerFields = ['ttlMs', 'address', 'metadata', 'version', 'zone', 'weight', 'health'] as const;

/** `{ ttlMs, address, metadata?, version?, zone?, weight?, health? }`, with the id and service from the path. */
export function registerRequest(service: string, id: string, body: unknown): { spec: InstanceSpec; ttlMs: number } {
  const o = object(body ?? {}, 'request', registerFields);
  // The registry checks ttlMs > 0 itself (with the message every registry gives); only the upper bound is the server's.
  if (typeof o.ttlMs === 'number' && o.ttlMs > maxTtlMs) throw new InvalidArgumentError('register.ttlMs', `must be at most ${maxTtlMs} (a day), got ${o.ttlMs}`);
  const spec: Json = { id, service };
  for (const k of registerFields) if (k !== 'ttlMs' && o[k] !== undefined) spec[k] = o[k];
  return { spec: spec as unknown as InstanceSpec, ttlMs: o.ttlMs as number };
}

/** `{ health, note?, force? }` */
export function healthRequest(body: unknown): { health: Health; note: string | undefined; force: boolean } {
  const o = object(body ?? {}, 'request', ['health', 'note', 'force']);
  if (!isHealth(o.health)) throw new InvalidArgumentError('health', `must be one of passing, warning, critical, draining, got ${JSON.stringify(o.health)}`);
  if (o.note !== undefined && (typeof o.note !== 'string' || o.note.length > 1024)) throw new InvalidArgumentError('note', 'must be a string of at most 1024 characters');
  if (o.force !== undefined && typeof o.force !== 'boolean') throw new InvalidArgumentError('force', 'must be a boolean');
  return { health: o.health, note: o.note as string | undefined, force: o.force === true };
}

/** `?index=N&waitMs=W`: without an index (or with waitMs 0) the snapshot is answered at once. */
export function pollQuery(query: { index?: unknown; waitMs?: unknown }): { index: number | undefined; waitMs: number } {
  const index = query.index === undefined ? undefined : checkInt('index', queryNumber(query.index), { min: 0, max: Number.MAX_SAFE_INTEGER });
  const waitMs = query.waitMs === undefined ? 0 : checkInt('waitMs', queryNumber(query.waitMs), { min: 0, max: maxWaitMs });
  return { index, waitMs };
}

function queryNumber(raw: unknown): unknown {
  return typeof raw === 'string' && /^-?\d{1,16}$/.test(raw) ? Number(raw) : raw;
}
