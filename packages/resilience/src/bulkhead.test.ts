import { InvalidArgumentError } from '@switchyard/core';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { BulkheadPolicy } from './bulkhead.js';
import { BulkheadRejectedError } from './errors.js';
import { deferred, track, type Deferred } from './testing/deferred.js';

test('runs at most maxConcurrent at once, queues up to maxQueue in order, rejects the rest', async () => {
  const bulkhead = new BulkheadPolicy({ maxConcurrent: 2, maxQueue: 2 });
  const started: number[] = [];
  const gates: Deferred<void>[] = [];
  const run = (i: number) =>
    track(
      bulkhead.execute(() => {
        started.push(i);
        const g = deferred<void>();
        gates[i] = g;
        return g.promise.then(() => i);
      }),
    );
  const calls = [0, 1, 2, 3, 4].map(run);
  await tick();
  assert.deepEqual(started, [0, 1]);
  assert.equal(bulkhead.executionSlots, 0);
  assert.equal(bulkhead.queueSlots, 0);
  assert.ok(calls[4]!.error instanceof BulkheadRejectedError);
  assert.equal((calls[4]!.error as BulkheadRejectedError).code, 'BULKHEAD_REJECTED');

  gates[1]!.resolve();
  await tick();
  await tick();
  assert.deepEqual(started, [0, 1, 2], 'the first waiter takes the freed slot');
  // A newcomer cannot jump the queue while someone waits.
  const late = run(5);
  await tick();
  assert.equal(late.settled, false);
  gates[0]!.resolve();
  gates[2]!.resolve();
  await tick();
  await tick();
  assert.deepEqual(started, [0, 1, 2, 3, 5]);
  gates[3]!.resolve();
  gates[5]!.resolve();
  await tick();
  await tick();
  assert.deepEqual(
    calls.slice(0, 4).map((c) => c.value),
    [0, 1, 2, 3],
  );
  assert.equal(bulkhead.executionSlots, 2);
});

test('a queued call whose signal aborts leaves the queue with the reason', async () => {
  const bulkhead = new BulkheadPolicy({ maxConcurrent: 1, maxQueue: 1 });
  const gate = deferred<void>();
  const first = track(bulkhead.execute(() => gate.promise));
  const caller = new AbortController();
  let ran = false;
  const queued = track(bulkhead.execute(() => ((ran = true), Promise.resolve()), caller.signal));
  await tick();
  assert.equal(bulkhead.queueSlots, 0);
  const reason = new Error('bye');
  caller.abort(reason);
  await tick();
  assert.equal(queued.error, reason);
  assert.equal(bulkhead.queueSlots, 1);
  gate.resolve();
  await tick();
  assert.equal(first.settled, true);
  assert.equal(ran, false);
  assert.equal(bulkhead.executionSlots, 1);
});

test('a failing task frees its slot', async () => {
  const bulkhead = new BulkheadPolicy({ maxConcurrent: 1 });
  await assert.rejects(bulkhead.execute(() => Promise.reject(new Error('x'))), /x/);
  assert.equal(await bulkhead.execute(() => 7), 7);
});

test('options are validated', () => {
  assert.throws(() => new BulkheadPolicy({ maxConcurrent: 0 }), InvalidArgumentError);
  assert.throws(() => new BulkheadPolicy({ maxConcurrent: 1, maxQueue: -1 }), InvalidArgumentError);
});
