import type { Clock } from '@switchyard/core';
import { randomBytes } from 'node:crypto';
import { LuaScript, type RedisClient } from '../../redis/script.js';
import { allow, checkKey, checkPermits, deny, type RateLimitDecision, type RateLimiter } from '../limiter.js';

export interface RedisLimiterOptions {
  client: RedisClient;
  /** Prefix of every Redis key this limiter writes (default `switchyard:rl:`). */
  prefix?: string;
  /**
   * Whose time decides. Omitted: the Redis server's clock (TIME inside the script), so every
   * process agrees whatever its own clock says. Given: this clock's time is sent with each call
   * (for tests with a ManualClock, or a deliberate single time source).
   */
  clock?: Clock;
}

/**
 * Each decision is one Lua script over one Redis key, so it is atomic: any number of limiter
 * instances, in any number of processes, sharing a Redis and a key share one allowance exactly.
 * Keys expire on their own once their state would decide like a fresh one.
 */
export abstract class RedisLimiter implements RateLimiter {
  readonly prefix: string;
  readonly #client: RedisClient;
  readonly #clock: Clock | undefined;

  constructor(options: RedisLimiterOptions) {
    this.#client = options.client;
    this.prefix = options.prefix ?? 'switchyard:rl:';
    this.#clock = options.clock;
  }

  /** Most permits one request can ever get. */
  protected abstract readonly maxPermits: number;
  protected abstract readonly script: LuaScript;
  /** ARGV after the time and n. */
  protected abstract args(): readonly (string | number)[];

  async tryAcquire(key: string, n = 1): Promise<RateLimitDecision> {
    checkPermits(n, this.maxPermits);
    const now = this.#clock ? this.#clock.now() : -1;
    const reply = (await this.script.run(this.#client, [this.prefix + checkKey(key)], [now, n, ...this.args()])) as [number, number, number];
    return reply[0] === 1 ? allow(reply[1]) : deny(reply[1], reply[2]);
  }
}

/** A process-unique prefix for members that must not collide across limiter instances. */
export function instanceId(): string {
  return randomBytes(6).toString('base64url');
}
