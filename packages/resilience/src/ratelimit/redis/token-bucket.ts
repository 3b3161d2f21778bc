import { LuaScript, luaNow } from '../../redis/script.js';
import { checkCount, checkPositive } from '../../validate.js';
import type { TokenBucketOptions } from '../token-bucket.js';
import { RedisLimiter, type RedisLimiterOptions } from './base.js';

// ARGV: now, n, capacity, rate (tokens per ms). State: hash {tokens, at}. Same rules as
// TokenBucketLimiter; numbers go to Redis as numbers (not tostring, which keeps 14 digits).
const script = new LuaScript(`${luaNow}
local n = tonumber(ARGV[2])
local capacity = tonumber(ARGV[3])
local rate = tonumber(ARGV[4])
local s = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(s[1])
local at = tonumber(s[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
if now > at then
  tokens = math.min(capacity, tokens + (now - at) * rate)
  at = now
end
if tokens + 1e-9 < n then
  return {0, math.floor(tokens + 1e-9), math.ceil((n - tokens) / rate)}
end
tokens = tokens - n
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', at)
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate) + 1000)
return {1, math.floor(tokens + 1e-9), 0}
`);

/** TokenBucketLimiter on Redis: one allowance per key across every process. */
export class RedisTokenBucketLimiter extends RedisLimiter {
  readonly capacity: number;
  readonly rate: number;
  protected readonly script = script;

  constructor(options: Omit<TokenBucketOptions, 'clock'> & RedisLimiterOptions) {
    super(options);
    this.capacity = checkCount('limiter.capacity', options.capacity);
    this.rate = checkPositive('limiter.refillTokens', options.refillTokens) / checkPositive('limiter.intervalMs', options.intervalMs ?? 1000);
  }

  protected get maxPermits(): number {
    return this.capacity;
  }

  protected args(): number[] {
    return [this.capacity, this.rate];
  }
}
