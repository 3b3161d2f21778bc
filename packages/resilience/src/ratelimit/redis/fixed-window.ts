import { LuaScript, luaNow } from '../../redis/script.js';
import { checkCount, checkPositive } from '../../validate.js';
import type { WindowLimitOptions } from '../fixed-window.js';
import { RedisLimiter, type RedisLimiterOptions } from './base.js';

// ARGV: now, n, limit, window. State: hash {start, count} for the current aligned window.
const script = new LuaScript(`${luaNow}
local n = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local w = tonumber(ARGV[4])
local start = math.floor(now / w) * w
local s = redis.call('HMGET', KEYS[1], 'start', 'count')
local count = tonumber(s[2]) or 0
if tonumber(s[1]) ~= start then count = 0 end
if count + n > limit then
  return {0, limit - count, math.ceil(start + w - now)}
end
count = count + n
redis.call('HSET', KEYS[1], 'start', start, 'count', count)
redis.call('PEXPIRE', KEYS[1], math.ceil(start + w - now) + 1000)
return {1, limit - count, 0}
`);

/** FixedWindowLimiter on Redis. */
export class RedisFixedWindowLimiter extends RedisLimiter {
  readonly limit: number;
  readonly windowMs: number;
  protected readonly script = script;

  constructor(options: Omit<WindowLimitOptions, 'clock'> & RedisLimiterOptions) {
    super(options);
    this.limit = checkCount('limiter.limit', options.limit);
    this.windowMs = checkPositive('limiter.windowMs', options.windowMs);
  }

  protected get maxPermits(): number {
    return this.limit;
  }

  protected args(): number[] {
    return [this.limit, this.windowMs];
  }
}
