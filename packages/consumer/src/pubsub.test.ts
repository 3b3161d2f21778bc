import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { defineCatalog } from './catalog/catalog.js';
import { subscribe } from './pubsub.js';
import { eventually, memoryLogger, testBroker } from './testing/harness.js';

const catalog = defineCatalog({ 'order.created': { schema: z.object({ orderId: z.string(), region: z.string() }) } });

test('each subscribing service gets every matching event once; filters apply', async () => {
  await using t = await testBroker();
  const billing: string[] = [];
  const euShipping: string[] = [];
  const logger = memoryLogger().logger;
  await using _b = await subscribe({ broker: t.broker, topic: 'orders', queue: 'billing-orders', logger, handler: catalog.handler({ 'order.created': (m) => void billing.push(m.body.orderId) }) });
  await using _s = await subscribe({
    broker: t.broker,
    topic: 'orders',
    queue: 'shipping-eu-orders',
    filter: { region: ['eu'] },
    logger,
    handler: catalog.handler({ 'order.created': (m) => void euShipping.push(m.body.orderId) }),
  });
  const events = catalog.publisher(t.broker.topic('orders'));
  await events.publish('order.created', { orderId: 'A', region: 'eu' }, { headers: { region: 'eu' } });
  await events.publish('order.created', { orderId: 'B', region: 'us' }, { headers: { region: 'us' } });
  await eventually(() => billing.length === 2 && euShipping.length === 1, 'fanned out');
  assert.deepEqual(billing.sort(), ['A', 'B']);
  assert.deepEqual(euShipping, ['A']);
});

test('subscribing again reuses the queue and replaces the filter', async () => {
  await using t = await testBroker();
  const logger = memoryLogger().logger;
  const first = await subscribe({ broker: t.broker, topic: 't', queue: 'sub', filter: { kind: ['a'] }, logger, handler: () => undefined });
  await first.close();
  await using _again = await subscribe({ broker: t.broker, topic: 't', queue: 'sub', filter: { kind: ['b'] }, logger, handler: () => undefined });
  const subs = await t.broker.topic('t').subscriptions();
  assert.equal(subs.length, 1);
  assert.deepEqual(subs[0]?.filter, { kind: ['b'] });
});

test('bad consumer options are refused before anything is created', async () => {
  await using t = await testBroker();
  await assert.rejects(subscribe({ broker: t.broker, topic: 'never', queue: 'q', concurrency: 0, handler: () => undefined }), {
    message: 'concurrency: must be an integer from 1 to 1000, got 0',
  });
  assert.deepEqual(await t.broker.listTopics(), []);
});
