import { LuaScript, luaNow } from '../../redis/script.js';
import { checkCount, checkPositive } from '../../validate.js';
import type { GcraOptions } from '../gcra.js';
import { RedisLimiter, type RedisLimiterOptions } from './base.js';

// ARGV: now, n, interval T (ms per permit), burst. State: hash {at, ahead}, the TAT kept as
// at + ahead for precision (see GcraLimiter); the key expires once the TAT has passed, from
// when on it would decide like a missing key.
const script = new LuaScript(`${luaNow}
local n = tonumber(ARGV[2])
local t = tonumber(ARGV[3])
local tolerance = tonumber(ARGV[4]) * t
local s = redis.call('HMGET', KEYS[1], 'at', 'ahead')
local at = tonumber(s[1])
local ahead = tonumber(s[2])
if at == nil or ahead == nil then
  at = now
  ahead = 0
end
if now > at then
  ahead = math.max(0, ahead - (now - at))
  at = now
end
local newAhead = ahead + n * t
if newAhead > tolerance * (1 + 1e-9) then
  return {0, math.floor((tolerance - ahead) / t + 1e-9), math.ceil(newAhead - tolerance)}
end
redis.call('HSET', KEYS[1], 'at', at, 'ahead', newAhead)
redis.call('PEXPIRE', KEYS[1], math.ceil(at + newAhead - now) + 1000)
return {1, math.floor((tolerance - newAhead) / t + 1e-9), 0}
`);

/** GcraLimiter on Redis: one value per key, one script per decision. */
export class RedisGcraLimiter extends RedisLimiter {
  readonly limit: number;
  readonly burst: number;
  readonly intervalMs: number;
  protected readonly script = script;

  constructor(options: Omit<GcraOptions, 'clock'> & RedisLimiterOptions) {
    super(options);
    this.limit = checkCount('limiter.limit', options.limit);
    this.burst = checkCount('limiter.burst', options.burst ?? this.limit);
    this.intervalMs = checkPositive('limiter.periodMs', options.periodMs) / this.limit;
  }

  protected get maxPermits(): number {
    return this.burst;
  }

  protected args(): number[] {
    return [this.intervalMs, this.burst];
  }
}
