import { InvalidArgumentError } from '@switchyard/core';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CountWindowBreaker } from './count-window.js';
import { TimeWindowBreaker } from './time-window.js';

test('count window: opens at the failure rate once minimumCalls are counted', () => {
  const b = new CountWindowBreaker({ size: 10, failureRate: 0.5, minimumCalls: 4 });
  assert.equal(b.record('failure'), false, '1 call is below the minimum');
  assert.equal(b.record('failure'), false);
  assert.equal(b.record('success'), false);
  assert.equal(b.record('failure'), true, '3 of 4 failed');
});

test('count window: only the last `size` calls count', () => {
  const b = new CountWindowBreaker({ size: 4, failureRate: 0.75 });
  for (const o of ['failure', 'failure', 'success', 'success'] as const) b.record(o);
  // Window now [F, S, S, F]: the oldest failure fell out, so 2 of 4.
  assert.equal(b.record('failure'), false);
  assert.equal(b.record('failure'), false, '[S, S, F, F] is 2 of 4');
  assert.equal(b.record('failure'), true, '[S, F, F, F] is 3 of 4');
  assert.deepEqual(b.toJSON(), { kind: 'count', outcomes: [0, 1, 1, 1] });
});

test('time window: failures older than the window are forgotten', () => {
  const b = new TimeWindowBreaker({ windowMs: 10_000, failureRate: 0.5, minimumCalls: 3, buckets: 10 });
  assert.equal(b.record('failure', 0), false);
  assert.equal(b.record('failure', 1000), false);
  // At 11 500 the window reaches back to 1500: bucket [0, 1000) has left it, [1000, 2000) not.
  assert.equal(b.record('success', 11_500), false);
  assert.equal(b.record('failure', 11_800), true, '2 of 3 in the window');
  const b2 = new TimeWindowBreaker({ windowMs: 10_000, failureRate: 0.5, minimumCalls: 3 });
  b2.record('failure', 0);
  b2.record('failure', 1000);
  b2.record('success', 21_000);
  assert.equal(b2.record('failure', 21_500), false, 'both early failures are gone: 1 of 2');
});

test('time window state round-trips through JSON', () => {
  const b = new TimeWindowBreaker({ windowMs: 1000, failureRate: 0.5, minimumCalls: 2 });
  b.record('failure', 100);
  const copy = new TimeWindowBreaker({ windowMs: 1000, failureRate: 0.5, minimumCalls: 2 });
  copy.restore(JSON.parse(JSON.stringify(b.toJSON())));
  assert.equal(copy.record('failure', 200), true);
  assert.throws(() => copy.restore({ kind: 'time', buckets: [[0, 1, 2]] }), InvalidArgumentError);
});

test('breaker options are validated', () => {
  assert.throws(() => new CountWindowBreaker({ size: 5, failureRate: 0 }), /failureRate/);
  assert.throws(() => new CountWindowBreaker({ size: 5, failureRate: 0.5, minimumCalls: 6 }), /minimumCalls/);
  assert.throws(() => new TimeWindowBreaker({ windowMs: 0, failureRate: 0.5 }), /windowMs/);
});
