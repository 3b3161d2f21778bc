import { ManualClock } from '@switchyard/core';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drive, ops, violation, type Contract } from '../testing/limiter-contract.js';
import { FixedWindowLimiter } from './fixed-window.js';
import { GcraLimiter } from './gcra.js';
import type { RateLimiter } from './limiter.js';
import { SlidingWindowCounterLimiter } from './sliding-counter.js';
import { SlidingWindowLogLimiter } from './sliding-log.js';
import { TokenBucketLimiter } from './token-bucket.js';

interface Case {
  name: string;
  /** Limit-ish parameter p (1..8) and a time unit u (ms) give the limiter and its contract. */
  make(p: number, u: number, clock: ManualClock): { limiter: RateLimiter; contract: Contract };
}

/** p: the limit or burst (1..8); u: the window or refill interval (ms); requests of 1..p. */
const scenario = fc
  .tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 10, max: 1000 }))
  .chain(([p, u]) => fc.tuple(fc.constant(p), fc.constant(u), ops(p, Math.ceil(u / 3))));

const cases: Case[] = [
  {
    name: 'fixed window',
    make: (p, u, clock) => ({ limiter: new FixedWindowLimiter({ limit: p, windowMs: u, clock }), contract: { kind: 'fixed-window', limit: p, windowMs: u }}),
  },
  {
    name: 'sliding window log',
    make: (p, u, clock) => ({ limiter: new SlidingWindowLogLimiter({ limit: p, windowMs: u, clock }), contract: { kind: 'sliding-log', limit: p, windowMs: u }}),
  },
  {
    name: 'sliding window counter',
    make: (p, u, clock) => ({
      limiter: new SlidingWindowCounterLimiter({ limit: p, windowMs: u, clock }),
      contract: { kind: 'sliding-counter', limit: p, windowMs: u },
    }),
  },
  {
    name: 'token bucket',
    make: (p, u, clock) => ({
      limiter: new TokenBucketLimiter({ capacity: p, refillTokens: 3, intervalMs: u, clock }),
      contract: { kind: 'bucket', burst: p, perMs: 3 / u },
    }),
  },
  {
    name: 'GCRA',
    make: (p, u, clock) => ({
      limiter: new GcraLimiter({ limit: 3, periodMs: u, burst: p, clock }),
      contract: { kind: 'bucket', burst: p, perMs: 3 / u },
    }),
  },
];

for (const c of cases) {
  test(`property: ${c.name} never grants more than its contract allows, and its retryAfterMs is enough`, async () => {
    let denials = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async ([p, u, script]) => {
        const clock = new ManualClock();
        const { limiter, contract } = c.make(p, u, clock);
        const out = await drive(limiter, clock, script);
        denials += out.denials;
        assert.deepEqual(out.dishonest, []);
        for (const [key, grants] of out.grants) assert.equal(violation(contract, grants), undefined, `key ${key}`);
      }),
      { numRuns: 150 },
    );
    assert.ok(denials > 100, `the runs hardly reached the limit (${denials} denials), so they test little`);
  });
}
