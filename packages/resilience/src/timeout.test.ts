import { InvalidArgumentError, ManualClock } from '@switchyard/core';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TimeoutError } from './errors.js';
import { deferred, track } from './testing/deferred.js';
import { TimeoutPolicy } from './timeout.js';

for (const strategy of ['cooperative', 'aggressive'] as const) {
  test(`${strategy}: a call that finishes in time returns its value, and its signal is never aborted later`, async () => {
    const clock = new ManualClock();
    const policy = new TimeoutPolicy({ ms: 100, strategy, clock });
    let seen: AbortSignal | undefined;
    assert.equal(await policy.execute(async ({ signal }) => ((seen = signal), 42)), 42);
    await clock.advance(1000);
    assert.equal(seen?.aborted, false);
  });
}

test('cooperative: aborts the task signal at the deadline and rejects with TimeoutError', async () => {
  const clock = new ManualClock();
  const policy = new TimeoutPolicy({ ms: 100, clock });
  let seen: AbortSignal | undefined;
  const call = track(
    policy.execute(
      ({ signal }) =>
        new Promise((_, reject) => {
          seen = signal;
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
    ),
  );
  await clock.advance(99);
  assert.equal(call.settled, false);
  assert.equal(seen?.aborted, false);
  await clock.advance(1);
  assert.equal(seen?.aborted, true);
  assert.ok(seen?.reason instanceof TimeoutError);
  assert.ok(call.error instanceof TimeoutError);
  assert.equal((call.error as TimeoutError).code, 'TIMEOUT');
  assert.equal((call.error as TimeoutError).timeoutMs, 100);
});

test('cooperative: waits for a task that ignores the signal, then still reports the timeout', async () => {
  const clock = new ManualClock();
  const policy = new TimeoutPolicy({ ms: 100, clock });
  const task = deferred<string>();
  const call = track(policy.execute(() => task.promise));
  await clock.advance(500);
  assert.equal(call.settled, false, 'cooperative must wait for the task to settle');
  task.resolve('late');
  await clock.advance(0);
  assert.ok(call.error instanceof TimeoutError, 'a result after the deadline is not returned');
});

test('cooperative: the task error becomes the TimeoutError cause', async () => {
  const clock = new ManualClock();
  const policy = new TimeoutPolicy({ ms: 10, clock });
  const task = deferred<string>();
  const call = track(policy.execute(() => task.promise));
  await clock.advance(10);
  const boom = new Error('socket closed');
  task.reject(boom);
  await clock.advance(0);
  assert.ok(call.error instanceof TimeoutError);
  assert.equal((call.error as TimeoutError).cause, boom);
});

test('aggressive: rejects at the deadline without waiting for the task', async () => {
  const clock = new ManualClock();
  const policy = new TimeoutPolicy({ ms: 100, strategy: 'aggressive', clock });
  let seen: AbortSignal | undefined;
  const call = track(
    policy.execute(({ signal }) => {
      seen = signal;
      return new Promise<never>(() => {});
    }),
  );
  await clock.advance(100);
  assert.ok(call.error instanceof TimeoutError);
  assert.equal(seen?.aborted, true);
});

test('aggressive: a task that fails in time fails the call with its own error', async () => {
  const clock = new ManualClock();
  const policy = new TimeoutPolicy({ ms: 100, strategy: 'aggressive', clock });
  await assert.rejects(policy.execute(() => Promise.reject(new Error('nope'))), /nope/);
});

for (const strategy of ['cooperative', 'aggressive'] as const) {
  test(`${strategy}: a caller abort passes the caller's reason down and is not a timeout`, async () => {
    const clock = new ManualClock();
    const policy = new TimeoutPolicy({ ms: 100, strategy, clock });
    const caller = new AbortController();
    let seen: AbortSignal | undefined;
    const call = track(
      policy.execute(
        ({ signal }) =>
          new Promise((_, reject) => {
            seen = signal;
            signal.addEventListener('abort', () => reject(signal.reason));
          }),
        caller.signal,
      ),
    );
    const reason = new Error('caller gave up');
    caller.abort(reason);
    await clock.advance(0);
    assert.equal(seen?.reason, reason);
    assert.equal(call.error, reason);
    await clock.advance(1000);
    assert.equal(seen?.reason, reason, 'the deadline passing later does not re-abort');
  });
}

test('options are validated when the policy is built', () => {
  assert.throws(() => new TimeoutPolicy({ ms: 0 }), (e: unknown) => e instanceof InvalidArgumentError && /timeout\.ms/.test(e.message));
  assert.throws(() => new TimeoutPolicy({ ms: 5, strategy: 'eager' as never }), InvalidArgumentError);
});
