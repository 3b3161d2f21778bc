import { InvalidArgumentError, InvalidNameError } from '../errors.js';
import { streamDefaults, streamLimits, type ResolvedStreamOptions, type StreamOptions } from '../engine/stream-config.js';
import { AssignmentStrategy, groupDefaults, groupLimits, type GroupStart } from '../engine/stream-group.js';
import type { Clock } from '../clock.js';
import { checkInt } from '../validate.js';

const streamName = /^[A-Za-z0-9._-]{1,249}$/;

/** Stream and group names follow Kafka's topic names: 1–249 letters, digits, `.`, `_`, `-`; not `.` or `..`. */
export function checkStreamName(name: unknown, kind = 'stream'): string {
  if (typeof name !== 'string' || !streamName.test(name) || name === '.' || name === '..') {
    throw new InvalidNameError(kind, name, 'use 1-249 letters, digits, ".", "_" or "-" (not "." or "..")');
  }
  return name;
}

export function checkGroupName(name: unknown): string {
  return checkStreamName(name, 'consumer group');
}

/** Validates stream options for `create` and fills in the defaults. */
export function resolveStreamOptions(options: StreamOptions = {}): ResolvedStreamOptions {
  checkKeys('options', options, ['partitions', 'retention']);
  const retention = options.retention ?? {};
  checkKeys('retention', retention, ['maxAgeMs', 'maxBytes']);
  const maxAgeMs = retention.maxAgeMs === undefined ? streamDefaults.maxAgeMs : retention.maxAgeMs;
  const maxBytes = retention.maxBytes === undefined ? streamDefaults.maxBytes : retention.maxBytes;
  return {
    partitions: checkInt('partitions', options.partitions ?? streamDefaults.partitions, streamLimits.partitions),
    retention: {
      maxAgeMs: maxAgeMs === null ? null : checkInt('retention.maxAgeMs', maxAgeMs, streamLimits.maxAgeMs),
      maxBytes: maxBytes === null ? null : checkInt('retention.maxBytes', maxBytes, streamLimits.maxBytes),
    },
  };
}

export interface ConsumerOptions {
  /** Assignment strategy, used when the group has no live member. Default `sticky`. */
  strategy?: AssignmentStrategy;
  /** Where a new group begins (Kafka's `auto.offset.reset`, fixed at creation). Default `latest`. */
  start?: GroupStart;
  /** The member expires when it has not heartbeated for this long. Default 10 s; 100 ms to 1 h. */
  sessionTimeoutMs?: number;
  /** How often `poll` heartbeats. Default a third of the session timeout. */
  heartbeatIntervalMs?: number;
  /** Static membership: rejoining under the same id takes over (and fences) the previous incarnation. */
  memberId?: string;
  /** Called, and awaited, when the member gains or loses partitions (before records of gained ones are read). */
  onRebalance?: (change: RebalanceChange) => void | Promise<void>;
  /** The consumer's clock for heartbeats (the broker's by default). */
  clock?: Clock;
}

export interface RebalanceChange {
  generation: number;
  gained: number[];
  lost: number[];
  /** Every partition owned after the change. */
  partitions: number[];
}

export type ResolvedConsumerOptions = Required<Omit<ConsumerOptions, 'memberId' | 'onRebalance' | 'clock'>> & Pick<ConsumerOptions, 'memberId' | 'onRebalance'>;

export function resolveConsumerOptions(options: ConsumerOptions): ResolvedConsumerOptions {
  checkKeys('options', options, ['strategy', 'start', 'sessionTimeoutMs', 'heartbeatIntervalMs', 'memberId', 'onRebalance', 'clock']);
  const strategy = options.strategy ?? groupDefaults.strategy;
  if (!Object.values(AssignmentStrategy).includes(strategy)) throw new InvalidArgumentError('strategy', `must be one of ${Object.values(AssignmentStrategy).join(', ')}`);
  const start = options.start ?? groupDefaults.start;
  if (start !== 'earliest' && start !== 'latest') throw new InvalidArgumentError('start', 'must be "earliest" or "latest"');
  const sessionTimeoutMs = checkInt('sessionTimeoutMs', options.sessionTimeoutMs ?? groupDefaults.sessionTimeoutMs, groupLimits.sessionTimeoutMs);
  const heartbeatIntervalMs = checkInt('heartbeatIntervalMs', options.heartbeatIntervalMs ?? Math.floor(sessionTimeoutMs / 3), { min: 1, max: sessionTimeoutMs });
  if (options.onRebalance !== undefined && typeof options.onRebalance !== 'function') throw new InvalidArgumentError('onRebalance', 'must be a function');
  const out: ResolvedConsumerOptions = { strategy, start, sessionTimeoutMs, heartbeatIntervalMs };
  if (options.memberId !== undefined) out.memberId = checkMemberId(options.memberId);
  if (options.onRebalance) out.onRebalance = options.onRebalance;
  return out;
}

export function checkMemberId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 256) throw new InvalidArgumentError('memberId', 'must be a string of 1 to 256 characters');
  return id;
}

function checkKeys(field: string, value: unknown, known: readonly string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidArgumentError(field, 'must be an object');
  for (const key of Object.keys(value)) if (!known.includes(key)) throw new InvalidArgumentError(`${field}.${key}`, 'is not a known setting');
}
