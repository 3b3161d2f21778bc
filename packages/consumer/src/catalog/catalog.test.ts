import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Header } from '@switchyard/core';
import { z } from 'zod';
import { Consumer } from '../consumer.js';
import { withCorrelation } from '../correlation-scope.js';
import { DoNotRetryError, UnknownMessageTypeError, ValidationError } from '../errors.js';
import { eventually, fakeDelivery, memoryLogger, testBroker } from '../testing/harness.js';
import { defineCatalog } from './catalog.js';

const catalog = defineCatalog({
  'order.created': {
    version: 3,
    schema: z.object({ orderId: z.string(), total: z.number().nonnegative(), currency: z.string().length(3) }),
    upcast: {
      1: (v1: { id: string; amount: number }) => ({ orderId: v1.id, amount: v1.amount }),
      2: (v2: { orderId: string; amount: number }) => ({ orderId: v2.orderId, total: v2.amount, currency: 'EUR' }),
    },
  },
  'order.cancelled': { schema: z.object({ orderId: z.string(), reason: z.string().optional() }) },
});

test('message() validates, stamps the schema version and keeps extras', () => {
  const m = catalog.message('order.created', { orderId: 'A-1', total: 42, currency: 'EUR' }, { key: 'A-1', headers: { region: 'eu' } });
  assert.equal(m.type, 'order.created');
  assert.deepEqual(m.body, { orderId: 'A-1', total: 42, currency: 'EUR' });
  assert.deepEqual(m.headers, { region: 'eu', [Header.schema]: '3' });
  assert.equal(m.key, 'A-1');
  assert.throws(
    () => catalog.message('order.created', { orderId: 'A-1', total: -1, currency: 'EURO' }),
    (err: unknown) => err instanceof ValidationError && err.code === 'VALIDATION_FAILED' && err.issues.map((i) => i.path).join(',') === 'total,currency',
  );
  // @ts-expect-error: an unknown type does not type-check, and throws at run time
  assert.throws(() => catalog.message('order.shipped', {}), UnknownMessageTypeError);
});

test('message() propagates the correlation scope it is built in', () => {
  const m = withCorrelation({ correlationId: 'c-9', causationId: 'm-8' }, () => catalog.message('order.cancelled', { orderId: 'A' }));
  assert.equal(m.headers?.[Header.correlationId], 'c-9');
  assert.equal(m.headers?.[Header.causationId], 'm-8');
});

test('decode() upcasts every older version to the current shape', async () => {
  const v1 = await catalog.decode({ type: 'order.created', body: { id: 'A-1', amount: 5 }, headers: {} });
  const v2 = await catalog.decode({ type: 'order.created', body: { orderId: 'A-1', amount: 5 }, headers: { schema: '2' } });
  const v3 = await catalog.decode({ type: 'order.created', body: { orderId: 'A-1', total: 5, currency: 'EUR' }, headers: { schema: '3' } });
  assert.deepEqual(v1, { orderId: 'A-1', total: 5, currency: 'EUR' });
  assert.deepEqual(v2, v1);
  assert.deepEqual(v3, v1);
  await assert.rejects(catalog.decode({ type: 'order.created', body: {}, headers: { schema: '4' } }), {
    code: 'VALIDATION_FAILED',
    message: 'invalid "order.created" message: schema version 4 is newer than the 3 this consumer knows',
  });
  await assert.rejects(catalog.decode({ type: 'order.cancelled', body: { orderId: 7 }, headers: {} }), ValidationError);
});

test('handler() dispatches typed, validated bodies and dead-letters what it cannot read', async () => {
  await using t = await testBroker();
  const dlq = await t.broker.createQueue('typed-dlq');
  const q = await t.broker.createQueue('typed', { deadLetter: { queue: 'typed-dlq', maxReceives: 5 } });
  const totals: number[] = [];
  const cancelled: string[] = [];
  await using _c = new Consumer({
    broker: t.broker,
    queue: 'typed',
    logger: memoryLogger().logger,
    handler: catalog.handler({
      'order.created': (m) => void totals.push(m.body.total),
      'order.cancelled': (m) => void cancelled.push(m.body.orderId),
    }),
  });
  await q.send(catalog.message('order.created', { orderId: 'A', total: 10, currency: 'EUR' }));
  await q.send({ type: 'order.created', body: { id: 'B', amount: 7 } }); // an old producer, version 1
  await q.send(catalog.message('order.cancelled', { orderId: 'A' }));
  await q.send({ type: 'order.created', body: { orderId: 'C' }, headers: { schema: '3' } }); // invalid
  await q.send({ type: 'order.refunded', body: {} }); // not in the catalog
  await eventually(async () => (await dlq.stats()).ready === 2, 'two dead-lettered');
  assert.deepEqual(totals.sort(), [10, 7].sort());
  assert.deepEqual(cancelled, ['A']);
  const dead = (await dlq.peek()).messages.map((m) => m.type).sort();
  assert.deepEqual(dead, ['order.created', 'order.refunded']);
});

test('handler() refuses handlers for types outside the catalog', () => {
  assert.throws(() => catalog.handler({ 'order.shipped': () => undefined } as never), UnknownMessageTypeError);
});

test('catalog definitions are validated', () => {
  assert.throws(() => defineCatalog({ x: { schema: {} as never } }), { message: 'catalog["x"].schema: must implement Standard Schema v1 (zod 4, valibot, arktype)' });
  assert.throws(() => defineCatalog({ x: { schema: z.string(), version: 2, upcast: { 2: (b: unknown) => b } } }), {
    message: 'catalog["x"].upcast[2]: upcasters are keyed by the version they read, 1 to 1',
  });
});

test('decodeOrReject wraps read failures in DoNotRetryError', async () => {
  const err = await catalog.decodeOrReject(fakeDelivery({ type: 'order.cancelled', body: {} })).catch((e: unknown) => e);
  assert.ok(err instanceof DoNotRetryError && err.cause instanceof ValidationError);
});
