import { LuaScript, luaNow } from '../../redis/script.js';
import { checkCount, checkPositive } from '../../validate.js';
import type { WindowLimitOptions } from '../fixed-window.js';
import { RedisLimiter, type RedisLimiterOptions } from './base.js';

// ARGV: now, n, limit, window. State: hash {start, prev, curr}; same rules and contract as
// SlidingWindowCounterLimiter.
const script = new LuaScript(`${luaNow}
local n = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local w = tonumber(ARGV[4])
local start = math.floor(now / w) * w
local s = redis.call('HMGET', KEYS[1], 'start', 'prev', 'curr')
local cstart = tonumber(s[1])
local prev = tonumber(s[2]) or 0
local curr = tonumber(s[3]) or 0
if cstart == nil or cstart < start then
  if cstart ~= nil and cstart + w == start then prev = curr else prev = 0 end
  curr = 0
  cstart = start
end
local elapsed = now - cstart
local estimate = prev * (w - elapsed) / w + curr
if estimate + n > limit + 1e-9 then
  local at
  if curr + n > limit then
    at = 2 * w - w * (limit - n) / curr
  else
    at = w - w * (limit - curr - n) / prev
  end
  return {0, math.floor(limit - estimate + 1e-9), math.ceil(at - elapsed)}
end
curr = curr + n
redis.call('HSET', KEYS[1], 'start', cstart, 'prev', prev, 'curr', curr)
redis.call('PEXPIRE', KEYS[1], math.ceil(cstart + 2 * w - now) + 1000)
return {1, math.floor(limit - estimate - n + 1e-9), 0}
`);

/** SlidingWindowCounterLimiter on Redis: O(1) state per key. */
export class RedisSlidingWindowCounterLimiter extends RedisLimiter {
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
