import { checkInt, InvalidArgumentError, systemClock, type Clock } from '@switchyard/core';

export interface RedisEngineOptions {
  /** `redis://host:port/db`. */
  url: string;
  /**
   * Namespace of every key (as a hash tag, `{prefix}`, so one broker's keys share a cluster
   * slot and its scripts may touch them together). Engines with the same prefix share queues.
   * Default `switchyard`.
   */
  prefix?: string;
  clock?: Clock;
  /**
   * How often this engine applies stream retention on its own (engine clock), removing at most
   * 10,000 records per partition each time; `trim()` applies it at once. Every engine sharing a
   * prefix sweeps, harmlessly. Default 30 s; 10 ms to 1 h.
   */
  sweepIntervalMs?: number;
}

export interface ResolvedRedisOptions {
  url: string;
  prefix: string;
  clock: Clock;
  sweepIntervalMs: number;
}

const prefixShape = /^[A-Za-z0-9_.:-]{1,64}$/;

export function resolveRedisOptions(options: RedisEngineOptions): ResolvedRedisOptions {
  if (typeof options?.url !== 'string' || options.url.length === 0) throw new InvalidArgumentError('url', 'must be a redis:// URL');
  const prefix = options.prefix ?? 'switchyard';
  if (typeof prefix !== 'string' || !prefixShape.test(prefix)) throw new InvalidArgumentError('prefix', 'must match /^[A-Za-z0-9_.:-]{1,64}$/');
  return {
    url: options.url,
    prefix,
    clock: options.clock ?? systemClock,
    sweepIntervalMs: checkInt('sweepIntervalMs', options.sweepIntervalMs ?? 30_000, { min: 10, max: 3_600_000 }),
  };
}
