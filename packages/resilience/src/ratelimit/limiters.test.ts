import { InvalidArgumentError, ManualClock } from '@switchyard/core';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { constantBackoff } from '../backoff.js';
import { RateLimitedError } from '../errors.js';
import { RetryPolicy } from '../retry.js';
import { track } from '../testing/deferred.js';
import { wrap } from '../wrap.js';
import { FixedWindowLimiter } from './fixed-window.js';
import { GcraLimiter } from './gcra.js';
import { KeyedStates } from './keyed.js';
import { RateLimitPolicy } from './policy.js';
import { SlidingWindowCounterLimiter } from './sliding-counter.js';
import { SlidingWindowLogLimiter } from './sliding-log.js';
import { TokenBucketLimiter } from './token-bucket.js';

const clock0 = () => new ManualClock(1_000_000);

test('fixed window: the limit per aligned window, then a reset at the boundary', async () => {
  const clock = clock0();
  const l = new FixedWindowLimiter({ limit: 2, windowMs: 1000, clock });
  await clock.advance(400);
  assert.deepEqual(await l.tryAcquire('k'), { allowed: true, remaining: 1, retryAfterMs: 0 });
  assert.deepEqual(await l.tryAcquire('k'), { allowed: true, remaining: 0, retryAfterMs: 0 });
  assert.deepEqual(await l.tryAcquire('k'), { allowed: false, remaining: 0, retryAfterMs: 600 });
  assert.equal((await l.tryAcquire('other')).allowed, true, 'keys are independent');
  await clock.advance(600);
  assert.equal((await l.tryAcquire('k')).allowed, true);
});

test('sliding log: a grant frees its permit exactly windowMs later', async () => {
  const clock = clock0();
  const l = new SlidingWindowLogLimiter({ limit: 3, windowMs: 1000, clock });
  await l.tryAcquire('k', 2);
  await clock.advance(300);
  await l.tryAcquire('k');
  assert.deepEqual(await l.tryAcquire('k', 2), { allowed: false, remaining: 0, retryAfterMs: 700 });
  await clock.advance(699);
  assert.equal((await l.tryAcquire('k')).allowed, false);
  await clock.advance(1);
  assert.deepEqual(await l.tryAcquire('k', 2), { allowed: true, remaining: 0, retryAfterMs: 0 });
});

test('sliding counter: weighs the previous window by how much of it is still covered', async () => {
  const clock = clock0(); // 1 000 000 is a window boundary for 1000 ms windows
  const l = new SlidingWindowCounterLimiter({ limit: 10, windowMs: 1000, clock });
  assert.equal((await l.tryAcquire('k', 10)).allowed, true);
  await clock.advance(1250);
  // previous = 10 weighted by 0.75 → 7.5, so 2 more fit and a third does not.
  assert.deepEqual(await l.tryAcquire('k', 2), { allowed: true, remaining: 0, retryAfterMs: 0 });
  const d = await l.tryAcquire('k', 1);
  assert.equal(d.allowed, false);
  assert.equal(d.retryAfterMs, 50, 'at 300 ms the weight is 7, and 7 + 2 + 1 = 10');
});

test('token bucket: a full burst, then the refill rate', async () => {
  const clock = clock0();
  const l = new TokenBucketLimiter({ capacity: 5, refillTokens: 1, intervalMs: 100, clock });
  assert.deepEqual(await l.tryAcquire('k', 5), { allowed: true, remaining: 0, retryAfterMs: 0 });
  assert.deepEqual(await l.tryAcquire('k', 2), { allowed: false, remaining: 0, retryAfterMs: 200 });
  await clock.advance(150);
  assert.deepEqual(await l.tryAcquire('k'), { allowed: true, remaining: 0, retryAfterMs: 0 });
  await clock.advance(10_000);
  assert.deepEqual(await l.tryAcquire('k'), { allowed: true, remaining: 4, retryAfterMs: 0 }, 'never more than capacity');
});

test('GCRA: permits spaced periodMs/limit apart after a burst', async () => {
  const clock = clock0();
  const l = new GcraLimiter({ limit: 10, periodMs: 1000, burst: 3, clock });
  for (let i = 0; i < 3; i++) assert.equal((await l.tryAcquire('k')).allowed, true);
  assert.deepEqual(await l.tryAcquire('k'), { allowed: false, remaining: 0, retryAfterMs: 100 });
  await clock.advance(100);
  assert.deepEqual(await l.tryAcquire('k'), { allowed: true, remaining: 0, retryAfterMs: 0 });
});

test('a request bigger than the limit or burst is a bad argument, not a denial', async () => {
  const clock = clock0();
  const limiters = [
    new FixedWindowLimiter({ limit: 3, windowMs: 10, clock }),
    new SlidingWindowLogLimiter({ limit: 3, windowMs: 10, clock }),
    new SlidingWindowCounterLimiter({ limit: 3, windowMs: 10, clock }),
    new TokenBucketLimiter({ capacity: 3, refillTokens: 1, clock }),
    new GcraLimiter({ limit: 100, periodMs: 10, burst: 3, clock }),
  ];
  for (const l of limiters) {
    await assert.rejects(() => l.tryAcquire('k', 4), (e: unknown) => e instanceof InvalidArgumentError && /never be granted/.test(e.message));
    await assert.rejects(() => l.tryAcquire('k', 0), InvalidArgumentError);
    await assert.rejects(() => l.tryAcquire('k', 1.5), InvalidArgumentError);
  }
  assert.throws(() => new TokenBucketLimiter({ capacity: 0, refillTokens: 1 }), /capacity/);
  assert.throws(() => new FixedWindowLimiter({ limit: 1, windowMs: -1 }), /windowMs/);
});

test('idle keys are swept once their state would decide like a fresh one', () => {
  const states = new KeyedStates<{ idleAt: number }>(100);
  states.set('a', { idleAt: 50 });
  states.set('b', { idleAt: 500 });
  assert.equal(states.get('a', 10)?.idleAt, 50);
  assert.equal(states.get('a', 60), undefined, 'an idle state reads as absent');
  states.get('x', 200);
  assert.equal(states.size, 1, 'the sweep dropped a, kept b');
});

test('RateLimitPolicy rejects with RateLimitedError, and an enclosing retry waits as told', async () => {
  const clock = clock0();
  const limiter = new FixedWindowLimiter({ limit: 1, windowMs: 1000, clock });
  const limited = new RateLimitPolicy({ limiter, key: 'api' });
  await limited.execute(() => 'first');
  await assert.rejects(limited.execute(() => 'second'), (e: unknown) => e instanceof RateLimitedError && e.retryAfterMs === 1000 && e.code === 'RATE_LIMITED');
  const policy = wrap(new RetryPolicy({ maxAttempts: 2, backoff: constantBackoff(1), clock }), limited);
  const call = track(policy.execute(() => 'later'));
  await clock.advance(0);
  await clock.advance(999);
  assert.equal(call.settled, false);
  await clock.advance(1);
  assert.equal(call.value, 'later');
});
