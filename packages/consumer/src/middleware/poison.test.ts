import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Header, type Delivery } from '@switchyard/core';
import { constantBackoff } from '../backoff.js';
import { Consumer } from '../consumer.js';
import { counts, eventually, memoryLogger, testBroker } from '../testing/harness.js';
import { poison } from './poison.js';
import { retry } from './retry.js';

test('after the last attempt, retry + poison move the message to the DLQ with its error', async () => {
  await using t = await testBroker();
  const dlq = await t.broker.createQueue('orders-dlq');
  const q = await t.broker.createQueue('orders', { deadLetter: { queue: 'orders-dlq', maxReceives: 100 } });
  await q.send({ body: 'x' });
  const poisoned: [Delivery, unknown][] = [];
  const { logger, lines } = memoryLogger();
  await using _c = new Consumer({
    broker: t.broker,
    queue: 'orders',
    logger,
    middleware: [poison({ onPoison: (m, e) => void poisoned.push([m, e]) }), retry({ backoff: constantBackoff(1000), maxAttempts: 3 })],
    handler: () => Promise.reject(new RangeError('stock below zero')),
  });
  for (let attempt = 1; attempt < 3; attempt++) {
    await eventually(async () => (await q.stats()).delayed === 1, `attempt ${attempt} nacked`);
    await t.clock.advance(1000);
  }
  await eventually(async () => (await dlq.stats()).ready === 1, 'dead-lettered after 3 attempts');
  const [dead] = (await dlq.peek()).messages;
  assert.equal(dead?.headers[Header.deadLetterError], 'RangeError: stock below zero');
  assert.equal(dead?.headers[Header.deadLetterAttempts], '3');
  assert.equal(poisoned.length, 1);
  assert.equal((poisoned[0]?.[1] as Error).message, 'stock below zero');
  assert.deepEqual(await counts(t.broker, 'orders'), { ready: 0, leased: 0, delayed: 0 });
  assert.ok(lines.some((l) => l.msg === 'poison message moved to the dead-letter queue' && l.correlationId === dead?.id));
});

test('isPoison dead-letters a recognised failure on the first attempt', async () => {
  await using t = await testBroker();
  const dlq = await t.broker.createQueue('in-dlq');
  const q = await t.broker.createQueue('in', { deadLetter: { queue: 'in-dlq', maxReceives: 100 } });
  await q.sendBatch([{ body: 'not json' }, { body: 'transient' }]);
  await using _c = new Consumer({
    broker: t.broker,
    queue: 'in',
    concurrency: 2,
    logger: memoryLogger().logger,
    middleware: [poison({ isPoison: (e) => e instanceof SyntaxError })],
    handler: (m) => {
      throw m.body === 'not json' ? new SyntaxError('Unexpected token') : new Error('try again');
    },
  });
  await eventually(async () => (await dlq.stats()).ready === 1 && (await q.stats()).delayed === 1, 'one poisoned, one retried');
  const [dead] = (await dlq.peek()).messages;
  assert.equal(dead?.body, 'not json');
  assert.equal(dead?.headers[Header.deadLetterAttempts], '1');
});
