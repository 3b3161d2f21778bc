import { ManualClock } from '@switchyard/core';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeadlineQueue } from './deadlines.js';

test('each deadline fires ms after it was added, in order, on one timer at a time', async () => {
  const clock = new ManualClock(0);
  const q = new DeadlineQueue(clock, 100);
  const fired: [string, number][] = [];
  q.add(() => fired.push(['a', clock.now()]));
  await clock.advance(30);
  q.add(() => fired.push(['b', clock.now()]));
  q.add(() => fired.push(['c', clock.now()]));
  assert.equal(clock.pendingTimers, 1, 'one timer however many deadlines');
  await clock.advance(69);
  assert.deepEqual(fired, []);
  await clock.advance(1);
  assert.deepEqual(fired, [['a', 100]]);
  await clock.advance(30);
  assert.deepEqual(fired, [
    ['a', 100],
    ['b', 130],
    ['c', 130],
  ]);
  assert.equal(clock.pendingTimers, 0, 'nothing left, so not re-armed');
});

test('a cancelled deadline never fires, and leaves at once', async () => {
  const clock = new ManualClock(0);
  const q = new DeadlineQueue(clock, 50);
  const fired: number[] = [];
  const handles = Array.from({ length: 5000 }, (_, i) => q.add(() => fired.push(i)));
  handles.forEach((h, i) => i !== 4999 && h.cancel());
  q.add(() => fired.push(-1)).cancel();
  assert.equal(q.size, 1, 'only the one not cancelled is kept');
  await clock.advance(50);
  assert.deepEqual(fired, [4999]);
  handles[4999]!.cancel(); // after firing: harmless
});
