import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignRange, assignSticky, partitionsOf, type Assignment } from './assignors.js';

const view = (a: Assignment, members: string[]) => Object.fromEntries(members.map((m) => [m, partitionsOf(a, m)]));
const moved = (before: Assignment, after: Assignment) => [...after].filter(([p, m]) => before.has(p) && before.get(p) !== m).length;

describe('range assignment', () => {
  it('gives members sorted by id consecutive ranges, the first ones one extra (as Kafka)', () => {
    assert.deepEqual(view(assignRange(7, ['c', 'a', 'b']), ['a', 'b', 'c']), { a: [0, 1, 2], b: [3, 4], c: [5, 6] });
    assert.deepEqual(view(assignRange(2, ['b', 'a', 'c']), ['a', 'b', 'c']), { a: [0], b: [1], c: [] });
    assert.equal(assignRange(4, []).size, 0);
  });
});

describe('sticky assignment', () => {
  it('is balanced from scratch', () => {
    const a = assignSticky(7, ['a', 'b', 'c'], new Map());
    const counts = ['a', 'b', 'c'].map((m) => partitionsOf(a, m).length).sort();
    assert.deepEqual(counts, [2, 2, 3]);
    assert.equal(a.size, 7);
  });

  it('moves only the partitions of a member that left', () => {
    const before = assignSticky(6, ['a', 'b', 'c'], new Map());
    const after = assignSticky(6, ['a', 'c'], before);
    for (const p of partitionsOf(before, 'a')) assert.equal(after.get(p), 'a');
    for (const p of partitionsOf(before, 'c')) assert.equal(after.get(p), 'c');
    assert.deepEqual(partitionsOf(after, 'a').length + partitionsOf(after, 'c').length, 6);
    assert.equal(Math.abs(partitionsOf(after, 'a').length - partitionsOf(after, 'c').length), 0);
  });

  it('hands a newcomer just its share, taken from the fullest members', () => {
    const before = assignSticky(6, ['a', 'b'], new Map());
    const after = assignSticky(6, ['a', 'b', 'c'], before);
    assert.equal(partitionsOf(after, 'c').length, 2);
    assert.equal(moved(before, after), 2, 'only the newcomer share moved');
    // range, by contrast, reshuffles: b loses 3,4,5 and takes 2,3 back.
    const rangeBefore = assignRange(6, ['a', 'b']);
    assert.ok(moved(rangeBefore, assignRange(6, ['a', 'b', 'c'])) > 2);
  });

  it('ignores owners that are no longer members and partitions past the count', () => {
    const current = new Map([
      [0, 'gone'],
      [1, 'a'],
      [9, 'a'],
    ]);
    const after = assignSticky(2, ['a', 'b'], current);
    assert.equal(after.get(1), 'a');
    assert.equal(after.get(0), 'b');
    assert.equal(after.size, 2);
  });

  it('is deterministic whatever the order members are listed in', () => {
    const current = new Map([
      [0, 'b'],
      [1, 'b'],
      [2, 'b'],
    ]);
    assert.deepEqual([...assignSticky(5, ['c', 'a', 'b'], current)].sort(), [...assignSticky(5, ['b', 'c', 'a'], current)].sort());
  });
});
