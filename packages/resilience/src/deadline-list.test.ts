import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '@switchyard/core';
import { DeadlineList, type DeadlineEntry } from './deadline-list.js';

function entry(name: string, fired: string[]): DeadlineEntry {
  return { at: 0, prev: undefined, next: undefined, list: undefined, expire: () => fired.push(name) };
}

test('DeadlineList: entries expire in order, each ms after it was added, on one timer', async () => {
  const clock = new ManualClock();
  const list = new DeadlineList(clock, 1000);
  const fired: string[] = [];
  list.add(entry('a', fired));
  await clock.advance(400);
  list.add(entry('b', fired));
  list.add(entry('c', fired));
  assert.equal(clock.pendingTimers, 1, 'one timer for the whole list');
  await clock.advance(599);
  assert.deepEqual(fired, []);
  await clock.advance(1);
  assert.deepEqual(fired, ['a']);
  await clock.advance(400);
  assert.deepEqual(fired, ['a', 'b', 'c']);
  assert.equal(list.size, 0);
});

test('DeadlineList: a removed entry never expires and is let go at once, wherever it is', async () => {
  const clock = new ManualClock();
  const list = new DeadlineList(clock, 1000);
  const fired: string[] = [];
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => entry(n, fired)) as [DeadlineEntry, DeadlineEntry, DeadlineEntry, DeadlineEntry];
  for (const e of [a, b, c, d]) list.add(e);
  list.remove(b); // middle
  list.remove(a); // head
  list.remove(d); // tail
  list.remove(d); // twice: harmless
  assert.equal(list.size, 1, 'only the pending entry is held');
  assert.deepEqual([a.list, b.next, d.prev], [undefined, undefined, undefined], 'removed entries keep no links');
  await clock.advance(1000);
  assert.deepEqual(fired, ['c']);
  list.add(a);
  await clock.advance(1000);
  assert.deepEqual(fired, ['c', 'a'], 'an entry can be added again');
});
