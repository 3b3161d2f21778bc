import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OffsetOutOfRangeError } from './errors.js';
import { planRead } from './read-plan.js';

const bounds = (ends: Record<number, [number, number]>) => (p: number) => {
  const b = ends[p] as [number, number];
  return { start: b[0], end: b[1] };
};

test('partitions share max: an equal share first, then what the others left', () => {
  const plan = planRead('s', { from: [{ partition: 0, offset: 0 }, { partition: 1, offset: 5 }, { partition: 2, offset: 3 }], max: 10, waitMs: 0 }, bounds({ 0: [0, 100], 1: [0, 6], 2: [0, 3] }));
  // Partition 2 is at its end and is left out; partition 1 has one record; 0 takes the rest.
  assert.deepEqual(plan, [
    { partition: 0, offset: 0, take: 9 },
    { partition: 1, offset: 5, take: 1 },
  ]);
});

test('one deep backlog does not starve the others', () => {
  const plan = planRead('s', { from: [{ partition: 0, offset: 0 }, { partition: 1, offset: 0 }], max: 4, waitMs: 0 }, bounds({ 0: [0, 1000], 1: [0, 1000] }));
  assert.deepEqual(plan.map((c) => c.take), [2, 2]);
});

test('a position outside its partition fails the whole read; the first of two positions for one partition counts', () => {
  assert.throws(() => planRead('s', { from: [{ partition: 0, offset: 0 }, { partition: 1, offset: 7 }], max: 5, waitMs: 0 }, bounds({ 0: [0, 9], 1: [0, 6] })), OffsetOutOfRangeError);
  assert.throws(() => planRead('s', { from: [{ partition: 0, offset: 1 }], max: 5, waitMs: 0 }, bounds({ 0: [2, 9] })), OffsetOutOfRangeError);
  assert.deepEqual(planRead('s', { from: [{ partition: 0, offset: 4 }, { partition: 0, offset: 1 }], max: 2, waitMs: 0 }, bounds({ 0: [0, 9] })), [{ partition: 0, offset: 4, take: 2 }]);
});
