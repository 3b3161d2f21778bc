import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '@switchyard/core';
import { Consumer } from '../consumer.js';
import { eventually, memoryLogger, testBroker } from '../testing/harness.js';
import { dedup } from './dedup.js';
import { MemoryDedupStore } from './dedup-store.js';

test('a redelivered copy of a handled message is acked without running the handler', async () => {
  await using t = await testBroker();
  const q = await t.broker.createQueue('dup');
  const runs: string[] = [];
  await using _c = new Consumer({ broker: t.broker, queue: 'dup', logger: memoryLogger().logger, middleware: [dedup()], handler: (m) => void runs.push(m.id) });
  await q.send({ id: 'order-1', body: 1 });
  await eventually(() => runs.length === 1, 'handled once');
  await q.send({ id: 'order-1', body: 1 }); // the producer (or an outbox relay) sent it again
  await q.send({ id: 'order-2', body: 2 });
  await eventually(async () => runs.length === 2 && (await q.stats()).ready + (await q.stats()).leased === 0, 'second id handled, duplicate acked');
  assert.deepEqual(runs, ['order-1', 'order-2']);
});

test('a failed attempt is not remembered, so the retry runs', async () => {
  await using t = await testBroker();
  const q = await t.broker.createQueue('dup-fail');
  let runs = 0;
  await using _c = new Consumer({
    broker: t.broker,
    queue: 'dup-fail',
    nackDelayMs: 0,
    logger: memoryLogger().logger,
    middleware: [dedup()],
    handler: () => {
      if (++runs === 1) throw new Error('first fails');
    },
  });
  await q.send({ id: 'x', body: 1 });
  await eventually(async () => runs === 2 && (await q.stats()).ready + (await q.stats()).leased === 0, 'retried and handled');
});

test('the memory store expires keys on its clock and keeps at most maxKeys', async () => {
  const clock = new ManualClock();
  const store = new MemoryDedupStore({ clock, maxKeys: 2 });
  store.add('a', 1000);
  assert.equal(store.has('a'), true);
  await clock.advance(1000);
  assert.equal(store.has('a'), false);
  store.add('b', 1000);
  store.add('c', 1000);
  store.add('d', 1000);
  assert.equal(store.size, 2);
  assert.deepEqual(['b', 'c', 'd'].map((k) => store.has(k)), [false, true, true]);
});
