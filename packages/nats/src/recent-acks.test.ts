import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecentAcks } from './recent-acks.js';

test('RecentAcks remembers acked sequences per queue, the most recent 100,000, until the queue is deleted', () => {
  const acks = new RecentAcks();
  for (let seq = 1; seq <= 100_001; seq++) acks.add('a', seq);
  assert.equal(acks.has('a', 1), false, 'the oldest is forgotten past the cap');
  assert.equal(acks.has('a', 2), true);
  assert.equal(acks.has('a', 100_001), true);
  assert.equal(acks.has('b', 2), false, 'sequences are per queue');
  acks.forget('a');
  assert.equal(acks.has('a', 100_001), false);
});
