import { InvalidArgumentError, systemClock, type Clock } from '@switchyard/core';

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
}

export interface ResolvedRedisOptions {
  url: string;
  prefix: string;
  clock: Clock;
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
  };
}
