import { ManualClock } from '@switchyard/core';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { constantBackoff } from './backoff.js';
import { CircuitBreakerPolicy } from './breaker/circuit-breaker.js';
import { ConsecutiveBreaker } from './breaker/consecutive.js';
import { BrokenCircuitError, TimeoutError } from './errors.js';
import { FallbackPolicy } from './fallback.js';
import type { ExecuteContext, Policy } from './policy.js';
import { RetryPolicy } from './retry.js';
import { track } from './testing/deferred.js';
import { TimeoutPolicy } from './timeout.js';
import { wrap } from './wrap.js';

test('retry(breaker(timeout)): each attempt gets its own deadline, and the attempt number reaches the task', async () => {
  const clock = new ManualClock();
  const breaker = new CircuitBreakerPolicy({ breaker: new ConsecutiveBreaker(5), halfOpenAfterMs: 10_000, clock });
  const policy = wrap(new RetryPolicy({ maxAttempts: 3, backoff: constantBackoff(10), clock }), breaker, new TimeoutPolicy({ ms: 100, clock }));
  const seen: number[] = [];
  const call = track(
    policy.execute(({ signal, attempt }) => {
      seen.push(attempt);
      if (attempt < 3) return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      return Promise.resolve('third time');
    }),
  );
  await clock.advance(100); // attempt 1 times out
  await clock.advance(10); // backoff
  await clock.advance(100); // attempt 2 times out
  await clock.advance(10);
  assert.equal(call.value, 'third time');
  assert.deepEqual(seen, [1, 2, 3]);
  assert.equal(breaker.state, 'closed');
});

test('the caller signal reaches the innermost task through every layer', async () => {
  const clock = new ManualClock();
  const policy = wrap(new RetryPolicy({ maxAttempts: 5, clock }), new TimeoutPolicy({ ms: 1000, clock }));
  const caller = new AbortController();
  const call = track(policy.execute(({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), caller.signal));
  const reason = new Error('user left');
  caller.abort(reason);
  await clock.advance(0);
  assert.equal(call.error, reason, 'no retry after the caller aborts');
});

test('an open circuit inside retry fails fast rather than being retried', async () => {
  const clock = new ManualClock();
  const breaker = new CircuitBreakerPolicy({ breaker: new ConsecutiveBreaker(1), halfOpenAfterMs: 10_000, clock });
  let calls = 0;
  const policy = wrap(new RetryPolicy({ maxAttempts: 5, backoff: constantBackoff(1), clock }), breaker);
  const call = track(policy.execute(() => (calls++, Promise.reject(new Error('down')))));
  await clock.advance(0); // let the first failure reach the retry, which then sets its timer
  await clock.advance(10);
  assert.equal(calls, 1);
  assert.ok(call.error instanceof BrokenCircuitError);
});

test('a fallback outside turns the final failure into a value, and its type joins the result', async () => {
  const clock = new ManualClock();
  const policy = wrap(new FallbackPolicy({ fallback: () => null }), new TimeoutPolicy({ ms: 5, strategy: 'aggressive', clock }));
  const call = track(policy.execute(() => new Promise<number>(() => {})));
  await clock.advance(5);
  assert.equal(call.value, null);
  // Compile-time: the fallback's type is part of the wrapped result, and only then.
  const typed: Promise<number | null> = policy.execute(() => 1);
  // @ts-expect-error without the fallback's null the type would be a lie
  const untyped: Promise<number> = policy.execute(() => 1);
  await Promise.all([typed, untyped].map((p) => clock.advance(0).then(() => p)));
});

test('a policy from elsewhere can sit in the chain and keeps the attempt number above it', async () => {
  const clock = new ManualClock();
  const foreign: Policy = {
    execute: (fn, signal) => Promise.resolve(fn({ signal: signal ?? new AbortController().signal, attempt: 99 })),
  };
  const seen: ExecuteContext[] = [];
  const policy = wrap(new RetryPolicy({ maxAttempts: 2, backoff: constantBackoff(1), clock }), foreign);
  const call = track(policy.execute((ctx) => (seen.push(ctx), ctx.attempt === 1 ? Promise.reject(new TimeoutError(1)) : Promise.resolve('ok'))));
  await clock.advance(0);
  await clock.advance(1);
  assert.equal(call.value, 'ok');
  assert.deepEqual(
    seen.map((c) => c.attempt),
    [1, 2],
  );
});
