import { LuaScript, luaNow } from '../../redis/script.js';
import { checkCount, checkPositive } from '../../validate.js';
import type { WindowLimitOptions } from '../fixed-window.js';
import { RedisLimiter, instanceId, type RedisLimiterOptions } from './base.js';

// ARGV: now, n, limit, window, member id. State: a sorted set, one member per permit scored by
// its grant time; a member at t counts during [t, t + window), as in SlidingWindowLogLimiter.
const script = new LuaScript(`${luaNow}
local n = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count + n > limit then
  local idx = count + n - limit - 1
  local e = redis.call('ZRANGE', KEYS[1], idx, idx, 'WITHSCORES')
  return {0, limit - count, math.ceil(tonumber(e[2]) + window - now)}
end
for i = 1, n do
  redis.call('ZADD', KEYS[1], now, ARGV[5] .. ':' .. i)
end
redis.call('PEXPIRE', KEYS[1], math.ceil(window) + 1000)
return {1, limit - count - n, 0}
`);

/** SlidingWindowLogLimiter on Redis (exact; memory is one set member per permit in the window). */
export class RedisSlidingWindowLogLimiter extends RedisLimiter {
  readonly limit: number;
  readonly windowMs: number;
  protected readonly script = script;
  readonly #id = instanceId();
  #seq = 0;

  constructor(options: Omit<WindowLimitOptions, 'clock'> & RedisLimiterOptions) {
    super(options);
    this.limit = checkCount('limiter.limit', options.limit);
    this.windowMs = checkPositive('limiter.windowMs', options.windowMs);
  }

  protected get maxPermits(): number {
    return this.limit;
  }

  protected args(): (string | number)[] {
    return [this.limit, this.windowMs, `${this.#id}:${this.#seq++}`];
  }
}
