import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '@switchyard/core';
import { constantBackoff, exponentialBackoff } from '../backoff.js';
import { DoNotRetryError, RetryAfterError } from '../errors.js';
import { failureOf, fakeContext, fakeDelivery, testBroker } from '../testing/harness.js';
import { retry } from './retry.js';

const failing = () => Promise.reject(new Error('flaky'));

test('a failure with attempts left becomes RetryAfterError with the backoff delay', async () => {
  await using t = await testBroker();
  const run = retry({ backoff: exponentialBackoff({ initialMs: 100, maxMs: 10_000 }), maxAttempts: 5 })(failing);
  for (const [attempt, delay] of [[1, 100], [2, 200], [4, 800]] as const) {
    const err = await failureOf(() => run(fakeDelivery({ attempt }), fakeContext(t.broker, t.clock)));
    assert.ok(err instanceof RetryAfterError, `attempt ${attempt}`);
    assert.equal(err.delayMs, delay);
    assert.equal((err.cause as Error).message, 'flaky');
  }
});

test('the last attempt becomes DoNotRetryError carrying the original failure', async () => {
  await using t = await testBroker();
  const run = retry({ backoff: constantBackoff(10), maxAttempts: 3 })(failing);
  const err = await failureOf(() => run(fakeDelivery({ attempt: 3 }), fakeContext(t.broker, t.clock)));
  assert.ok(err instanceof DoNotRetryError);
  assert.equal(err.reason, 'gave up after 3 attempts');
  assert.equal((err.cause as Error).message, 'flaky');
});

test('a failure the predicate rejects is not retried at all', async () => {
  await using t = await testBroker();
  const run = retry({ retryable: (e) => !(e instanceof TypeError) })(() => Promise.reject(new TypeError('bug')));
  const err = await failureOf(() => run(fakeDelivery({ attempt: 1 }), fakeContext(t.broker, t.clock)));
  assert.ok(err instanceof DoNotRetryError);
  assert.equal(err.reason, 'the failure is not retryable');
});

test("the handler's own control-flow errors pass through (RetryAfter still bounded by maxAttempts)", async () => {
  await using t = await testBroker();
  const later = retry({ maxAttempts: 2 })(() => Promise.reject(new RetryAfterError(42)));
  const e1 = await failureOf(() => later(fakeDelivery({ attempt: 1 }), fakeContext(t.broker, t.clock)));
  assert.ok(e1 instanceof RetryAfterError && e1.delayMs === 42);
  const e2 = await failureOf(() => later(fakeDelivery({ attempt: 2 }), fakeContext(t.broker, t.clock)));
  assert.ok(e2 instanceof DoNotRetryError);
  const never = new DoNotRetryError('no');
  const e3 = await failureOf(() => retry()(() => Promise.reject(never))(fakeDelivery(), fakeContext(t.broker, new ManualClock())));
  assert.equal(e3, never);
});

test('success passes through untouched', async () => {
  await using t = await testBroker();
  let ran = 0;
  await retry()(() => void ran++)(fakeDelivery(), fakeContext(t.broker, t.clock));
  assert.equal(ran, 1);
});

test('retry options are validated', () => {
  assert.throws(() => retry({ maxAttempts: 0 }), { message: 'retry.maxAttempts: must be an integer from 1 to 1000, got 0' });
  assert.throws(() => retry({ backoff: {} as never }), { message: 'retry.backoff: must have a delay(attempt) method' });
});
