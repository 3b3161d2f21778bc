import { InvalidArgumentError, ManualClock } from '@switchyard/core';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { constantBackoff } from './backoff.js';
import { BrokenCircuitError } from './errors.js';
import { RetryPolicy, type GiveUpEvent } from './retry.js';
import { track } from './testing/deferred.js';

/** A task that fails `failures` times with fresh errors, then returns 'ok'; it logs each call. */
function flaky(clock: ManualClock, failures: number, makeError = (i: number) => new Error(`fail ${i}`)) {
  const calls: { attempt: number; at: number }[] = [];
  const fn = ({ attempt }: { attempt: number }) => {
    calls.push({ attempt, at: clock.now() });
    if (calls.length <= failures) throw makeError(calls.length);
    return Promise.resolve('ok');
  };
  return { fn, calls };
}

test('retries after each backoff delay until the task succeeds, numbering attempts from 1', async () => {
  const clock = new ManualClock();
  const t0 = clock.now();
  const policy = new RetryPolicy({ maxAttempts: 3, backoff: constantBackoff(100), clock });
  const { fn, calls } = flaky(clock, 2);
  const call = track(policy.execute(fn));
  await clock.advance(99);
  assert.equal(calls.length, 1, 'no retry before the delay has passed');
  await clock.advance(101);
  assert.equal(call.value, 'ok');
  assert.deepEqual(calls, [
    { attempt: 1, at: t0 },
    { attempt: 2, at: t0 + 100 },
    { attempt: 3, at: t0 + 200 },
  ]);
});

test('gives up after maxAttempts with the last error, unchanged', async () => {
  const clock = new ManualClock();
  const policy = new RetryPolicy({ maxAttempts: 3, backoff: constantBackoff(10), clock });
  const giveUps: GiveUpEvent[] = [];
  policy.onGiveUp((e) => giveUps.push(e));
  const { fn, calls } = flaky(clock, 10);
  const call = track(policy.execute(fn));
  await clock.advance(1000);
  assert.equal(calls.length, 3);
  assert.equal((call.error as Error).message, 'fail 3');
  assert.equal(giveUps[0]?.reason, 'max-attempts');
});

test('does not retry what the predicate refuses, nor errors marked retryable: false', async () => {
  const clock = new ManualClock();
  const policy = new RetryPolicy({ maxAttempts: 5, backoff: constantBackoff(10), clock, shouldRetry: (e) => !(e instanceof TypeError) });
  const a = flaky(clock, 10, () => new TypeError('bad input'));
  const b = flaky(clock, 10, () => new BrokenCircuitError('open', 1000));
  const ca = track(policy.execute(a.fn));
  const cb = track(policy.execute(b.fn));
  await clock.advance(1000);
  assert.equal(a.calls.length, 1);
  assert.equal(b.calls.length, 1);
  assert.ok(ca.error instanceof TypeError);
  assert.ok(cb.error instanceof BrokenCircuitError);
});

test('a retryAfterMs hint on the error stretches the delay', async () => {
  const clock = new ManualClock();
  const t0 = clock.now();
  const policy = new RetryPolicy({ maxAttempts: 2, backoff: constantBackoff(100), clock });
  const { fn, calls } = flaky(clock, 1, () => Object.assign(new Error('429'), { retryAfterMs: 5000 }));
  const call = track(policy.execute(fn));
  await clock.advance(4999);
  assert.equal(calls.length, 1);
  await clock.advance(1);
  assert.equal(call.value, 'ok');
  assert.equal(calls[1]?.at, t0 + 5000);
});

test('a hint longer than maxRetryAfterMs means give up now', async () => {
  const clock = new ManualClock();
  const policy = new RetryPolicy({ maxAttempts: 5, backoff: constantBackoff(1), maxRetryAfterMs: 1000, clock });
  const giveUps: GiveUpEvent[] = [];
  policy.onGiveUp((e) => giveUps.push(e));
  const { fn, calls } = flaky(clock, 1, () => Object.assign(new Error('503'), { retryAfterMs: 1001 }));
  const call = track(policy.execute(fn));
  await clock.advance(10_000);
  assert.equal(calls.length, 1);
  assert.equal((call.error as Error).message, '503');
  assert.equal(giveUps[0]?.reason, 'retry-after-too-long');
});

test('the time budget stops retries whose wait would end past it', async () => {
  const clock = new ManualClock();
  const policy = new RetryPolicy({ maxAttempts: 100, backoff: constantBackoff(100), budgetMs: 250, clock });
  const { fn, calls } = flaky(clock, 100);
  const call = track(policy.execute(fn));
  await clock.advance(10_000);
  // Attempts at 0, 100, 200; a fourth would start at 300 > 250.
  assert.equal(calls.length, 3);
  assert.equal((call.error as Error).message, 'fail 3');
});

test('an abort while waiting ends the call with the reason and makes no more attempts', async () => {
  const clock = new ManualClock();
  const policy = new RetryPolicy({ maxAttempts: 5, backoff: constantBackoff(100), clock });
  const caller = new AbortController();
  const { fn, calls } = flaky(clock, 10);
  const call = track(policy.execute(fn, caller.signal));
  await clock.advance(50);
  const reason = new Error('shutting down');
  caller.abort(reason);
  await clock.advance(1000);
  assert.equal(call.error, reason);
  assert.equal(calls.length, 1);
  assert.equal(clock.pendingTimers, 0);
});

test('options are validated when built', () => {
  assert.throws(() => new RetryPolicy({ maxAttempts: 0 }), InvalidArgumentError);
  assert.throws(() => new RetryPolicy({ budgetMs: -5 }), InvalidArgumentError);
});

test('many calls waiting to retry without a caller signal leave no abort listeners behind', async () => {
  const clock = new ManualClock();
  const policy = new RetryPolicy({ maxAttempts: 2, backoff: constantBackoff(10), clock });
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  const calls = Array.from({ length: 50 }, () => track(policy.execute(flaky(clock, 1).fn)));
  await clock.advance(0);
  await clock.advance(10);
  await new Promise((r) => setImmediate(r));
  process.off('warning', onWarning);
  assert.deepEqual(
    calls.map((c) => c.value),
    Array(50).fill('ok'),
  );
  assert.deepEqual(
    warnings.map((w) => w.name),
    [],
  );
});
