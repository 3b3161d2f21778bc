import { checkInt, checkString, InvalidArgumentError, systemClock, type Clock } from '@switchyard/core';
import { checkIdentifier } from './identifiers.js';

export interface InboxOptions {
  /**
   * Whose processed ids these are: one name per handler, so two handlers of the same message
   * (two subscriptions) each run once. Default `default`; 1 to 200 characters.
   */
  name?: string;
  /**
   * How long a processed id is remembered. A copy delivered later than this runs again, so keep
   * it above the longest time a message can be redelivered (the queue's retention, 4 days by
   * default). Default 7 days; 1 minute to 365 days.
   */
  retentionMs?: number;
  /** How often expired ids are deleted. Default 60 000 ms; 1000 to 86 400 000. */
  cleanupIntervalMs?: number;
  /** The table, created if missing. Default `switchyard_inbox`. */
  table?: string;
  /** Default: the system clock. */
  clock?: Clock;
}

export interface ResolvedInboxOptions {
  name: string;
  retentionMs: number;
  cleanupIntervalMs: number;
  table: string;
  clock: Clock;
}

const known = new Set(['name', 'retentionMs', 'cleanupIntervalMs', 'table', 'clock']);

export function resolveInboxOptions(options: InboxOptions = {}): ResolvedInboxOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object');
  for (const key of Object.keys(options)) if (!known.has(key)) throw new InvalidArgumentError(key, 'is not an inbox option');
  return {
    name: checkString('name', options.name ?? 'default', 200),
    retentionMs: checkInt('retentionMs', options.retentionMs ?? 7 * 86_400_000, { min: 60_000, max: 365 * 86_400_000 }),
    cleanupIntervalMs: checkInt('cleanupIntervalMs', options.cleanupIntervalMs ?? 60_000, { min: 1000, max: 86_400_000 }),
    table: checkIdentifier('table', options.table ?? 'switchyard_inbox'),
    clock: options.clock ?? systemClock,
  };
}

/** What `process` did: ran the work (with its result), or found the message already processed. */
export type InboxOutcome<T> = { status: 'processed'; result: T } | { status: 'duplicate' };
