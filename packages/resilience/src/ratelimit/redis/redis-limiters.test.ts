import { ManualClock } from '@switchyard/core';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { redisSkipReason, startRedis } from '../../../../../tests/support/redis.js';
import { drive, ops, violation, type Contract } from '../../testing/limiter-contract.js';
import type { RateLimiter } from '../limiter.js';
import type { RedisLimiter, RedisLimiterOptions } from './base.js';
import { RedisFixedWindowLimiter } from './fixed-window.js';
import { RedisGcraLimiter } from './gcra.js';
import { RedisSlidingWindowCounterLimiter } from './sliding-counter.js';
import { RedisSlidingWindowLogLimiter } from './sliding-log.js';
import { RedisTokenBucketLimiter } from './token-bucket.js';

const server = await startRedis();
const clients: Redis[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.quit()));
  await server?.stop();
});

function client(): Redis {
  const c = new Redis({ host: server!.host, port: server!.port, maxRetriesPerRequest: 1 });
  clients.push(c);
  return c;
}

interface Kind {
  name: string;
  /** p: the limit or burst; u: the window or refill interval (ms). */
  make(redis: RedisLimiterOptions, p: number, u: number): RedisLimiter;
  contract(p: number, u: number): Contract;
}

const kinds: Kind[] = [
  {
    name: 'token bucket',
    make: (o, p, u) => new RedisTokenBucketLimiter({ ...o, capacity: p, refillTokens: 3, intervalMs: u }),
    contract: (p, u) => ({ kind: 'bucket', burst: p, perMs: 3 / u }),
  },
  {
    name: 'GCRA',
    make: (o, p, u) => new RedisGcraLimiter({ ...o, limit: 3, periodMs: u, burst: p }),
    contract: (p, u) => ({ kind: 'bucket', burst: p, perMs: 3 / u }),
  },
  {
    name: 'sliding window log',
    make: (o, p, u) => new RedisSlidingWindowLogLimiter({ ...o, limit: p, windowMs: u }),
    contract: (p, u) => ({ kind: 'sliding-log', limit: p, windowMs: u }),
  },
  {
    name: 'sliding window counter',
    make: (o, p, u) => new RedisSlidingWindowCounterLimiter({ ...o, limit: p, windowMs: u }),
    contract: (p, u) => ({ kind: 'sliding-counter', limit: p, windowMs: u }),
  },
  {
    name: 'fixed window',
    make: (o, p, u) => new RedisFixedWindowLimiter({ ...o, limit: p, windowMs: u }),
    contract: (p, u) => ({ kind: 'fixed-window', limit: p, windowMs: u }),
  },
];

const scenario = fc
  .tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 10, max: 1000 }))
  .chain(([p, u]) => fc.tuple(fc.constant(p), fc.constant(u), ops(p, Math.ceil(u / 3))));

for (const kind of kinds) {
  test(`redis ${kind.name}: two instances on one Redis, taking turns, stay within the contract together`, async (t) => {
    if (!server) return t.skip(redisSkipReason);
    const [a, b] = [client(), client()];
    let denials = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async ([p, u, script]) => {
        const clock = new ManualClock();
        const prefix = `test:${randomUUID()}:`;
        const pair = [kind.make({ client: a, prefix, clock }, p, u), kind.make({ client: b, prefix, clock }, p, u)];
        let turn = 0;
        const alternating: RateLimiter = { tryAcquire: (key, n) => pair[turn++ % 2]!.tryAcquire(key, n) };
        const out = await drive(alternating, clock, script);
        denials += out.denials;
        assert.deepEqual(out.dishonest, []);
        for (const [key, grants] of out.grants) assert.equal(violation(kind.contract(p, u), grants), undefined, `key ${key}`);
      }),
      { numRuns: 40 },
    );
    assert.ok(denials > 30, `the runs hardly reached the limit (${denials} denials)`);
  });

  test(`redis ${kind.name}: concurrent requests from two instances on the server clock admit exactly the limit`, async (t) => {
    if (!server) return t.skip(redisSkipReason);
    const prefix = `test:${randomUUID()}:`;
    // A long window and a slow refill, so real time passing during the test changes nothing.
    const pair = [kind.make({ client: client(), prefix }, 7, 600_000), kind.make({ client: client(), prefix }, 7, 600_000)];
    const decisions = await Promise.all(Array.from({ length: 100 }, (_, i) => pair[i % 2]!.tryAcquire('shared')));
    const allowed = decisions.filter((d) => d.allowed).length;
    assert.equal(allowed, 7);
    const denied = decisions.find((d) => !d.allowed)!;
    assert.ok(denied.retryAfterMs > 0);
    assert.equal(denied.remaining, 0);
  });
}

test('redis limiters keep working after the script cache is flushed, and their keys expire', async (t) => {
  if (!server) return t.skip(redisSkipReason);
  const redis = client();
  const prefix = `test:${randomUUID()}:`;
  const limiter = new RedisGcraLimiter({ client: redis, prefix, limit: 10, periodMs: 1000 });
  assert.equal((await limiter.tryAcquire('k')).allowed, true);
  await redis.script('FLUSH');
  assert.equal((await limiter.tryAcquire('k')).allowed, true);
  const ttl = await redis.pttl(`${prefix}k`);
  assert.ok(ttl > 0 && ttl <= 1200, `PTTL ${ttl}`);
});

test('redis limiters reject a request larger than the limit before touching Redis', async (t) => {
  if (!server) return t.skip(redisSkipReason);
  const limiter = new RedisTokenBucketLimiter({ client: client(), capacity: 3, refillTokens: 1 });
  await assert.rejects(limiter.tryAcquire('k', 4), /never be granted/);
});
