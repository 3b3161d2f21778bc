import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { defineCatalog } from '../catalog/catalog.js';
import { DoNotRetryError, ValidationError } from '../errors.js';
import { failureOf, fakeContext, fakeDelivery, testBroker } from '../testing/harness.js';
import { validate } from './validate.js';

const catalog = defineCatalog({
  'price.changed': { version: 2, schema: z.object({ sku: z.string(), cents: z.number().int() }), upcast: { 1: (b: { sku: string; euros: number }) => ({ sku: b.sku, cents: b.euros * 100 }) } },
});

test('passes the upcast, parsed body to the handler', async () => {
  await using t = await testBroker();
  let seen: unknown;
  await validate(catalog)((m) => void (seen = m.body))(fakeDelivery({ type: 'price.changed', body: { sku: 'X', euros: 2 } }), fakeContext(t.broker, t.clock));
  assert.deepEqual(seen, { sku: 'X', cents: 200 });
});

test('an invalid body fails with DoNotRetryError carrying the ValidationError, without running the handler', async () => {
  await using t = await testBroker();
  let ran = false;
  const run = validate(catalog)(() => void (ran = true));
  const err = await failureOf(() => run(fakeDelivery({ type: 'price.changed', body: { sku: 1 }, headers: { schema: '2' } }), fakeContext(t.broker, t.clock)));
  assert.ok(err instanceof DoNotRetryError);
  assert.ok(err.cause instanceof ValidationError);
  assert.equal(ran, false);
});

test("unknown types are rejected by default and passed on with unknownTypes: 'pass'", async () => {
  await using t = await testBroker();
  const msg = fakeDelivery({ type: 'other', body: 'raw' });
  assert.ok((await failureOf(() => validate(catalog)(() => undefined)(msg, fakeContext(t.broker, t.clock)))) instanceof DoNotRetryError);
  let seen: unknown;
  await validate(catalog, { unknownTypes: 'pass' })((m) => void (seen = m.body))(msg, fakeContext(t.broker, t.clock));
  assert.equal(seen, 'raw');
  assert.throws(() => validate(catalog, { unknownTypes: 'drop' as never }), { message: 'validate.unknownTypes: must be "reject" or "pass"' });
});
