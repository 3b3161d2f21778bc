import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { Delivery, EnqueueResult } from '@switchyard/core';
import { caseRunner, expectEmpty, expectStats, idSet, type ConformanceTarget } from './harness.js';

/** Send and receive: what goes in comes out, once, to one consumer at a time. */
export function queueBasicsCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  void describe('queue basics', () => {
    test('a received message carries the id, type, body, headers, key and timestamp it was sent with', async ({ queue, engine, clock }) => {
      const q = await queue();
      const sentAt = clock.now();
      const result = await q.send({
        id: 'order-1',
        type: 'order.created',
        body: { order: 1, lines: [{ sku: 'a', qty: 2 }], note: null, paid: true },
        headers: { 'correlation-id': 'c-1', 'content-type': 'application/json' },
        key: 'customer-7',
        timestamp: 1_700_000_000_000,
      });
      assert.deepEqual(withoutSequence(result), { id: 'order-1', duplicate: false });

      const [d, ...rest] = await q.receive();
      assert.equal(rest.length, 0);
      assert.ok(d, 'the message was not delivered');
      assert.equal(d.id, 'order-1');
      assert.equal(d.type, 'order.created');
      assert.deepEqual(d.body, { order: 1, lines: [{ sku: 'a', qty: 2 }], note: null, paid: true });
      assert.deepEqual(d.headers, { 'correlation-id': 'c-1', 'content-type': 'application/json' });
      assert.equal(d.key, 'customer-7');
      assert.equal(d.timestamp, 1_700_000_000_000);
      assert.equal(d.queue, q.name);
      assert.equal(typeof d.receipt, 'string');
      assert.ok(d.receipt.length > 0, 'the receipt is empty');
      assert.equal(d.attempt, 1);
      if (engine.features.injectedClock.supported) assert.equal(d.enqueuedAt, sentAt);
      else assert.ok(Number.isInteger(d.enqueuedAt), `enqueuedAt ${d.enqueuedAt} is not epoch ms`);
    });

    test('a message sent without id, type or timestamp gets them assigned', async ({ queue, engine, clock }) => {
      const q = await queue();
      const { id, duplicate } = await q.send({ body: { x: 1 } });
      assert.equal(typeof id, 'string');
      assert.ok(id.length > 0);
      assert.equal(duplicate, false);
      const [d] = await q.receive();
      assert.ok(d);
      assert.equal(d.id, id);
      assert.equal(d.type, 'message');
      assert.equal(d.key, undefined);
      assert.deepEqual(d.headers, {});
      if (engine.features.injectedClock.supported) assert.equal(d.timestamp, clock.now());
    });

    test('a string body comes back as the same text', async ({ queue }) => {
      const q = await queue();
      const text = 'plain text, not JSON: {"a":1} — héllo ✓ 日本';
      await q.send({ body: text });
      const [d] = await q.receive();
      assert.ok(d);
      assert.equal(typeof d.body, 'string');
      assert.equal(d.body, text);
    });

    test('a Uint8Array body comes back as the same bytes', async ({ queue }) => {
      const q = await queue();
      const bytes = new Uint8Array([0, 1, 2, 127, 128, 254, 255, 0]);
      await q.send({ body: bytes });
      const [d] = await q.receive();
      assert.ok(d);
      assert.ok(d.body instanceof Uint8Array, `body is ${typeof d.body}, not a Uint8Array`);
      assert.deepEqual(Array.from(d.body), Array.from(bytes));
    });

    test('JSON numbers, booleans, null, arrays and empty strings survive the round trip', async ({ queue }) => {
      const q = await queue();
      const bodies = [0, -1.5, false, null, [1, 'two', [3]], {}, ''];
      const results = await q.sendBatch(bodies.map((body) => ({ body })));
      const got = await q.receive({ max: 10 });
      const byId = new Map(got.map((d) => [d.id, d.body]));
      assert.equal(got.length, bodies.length);
      results.forEach((r, i) => assert.deepEqual(byId.get(r.id), bodies[i], `body ${i}`));
    });

    test('sendBatch stores every message and returns one result per message, in order', async ({ queue }) => {
      const q = await queue();
      const results = await q.sendBatch([
        { id: 'm-1', body: 1 },
        { id: 'm-2', body: 2 },
        { body: 3 },
      ]);
      assert.equal(results.length, 3);
      assert.deepEqual(results.slice(0, 2).map(withoutSequence), [
        { id: 'm-1', duplicate: false },
        { id: 'm-2', duplicate: false },
      ]);
      assert.equal(results[2]?.duplicate, false);
      await expectStats(q, { ready: 3 });
      const got = await q.receive({ max: 10 });
      assert.deepEqual(idSet(got), results.map((r) => r.id).sort());
    });

    test('where the engine numbers messages, numbers grow in send order and a delivery carries its own', async ({ queue }) => {
      const q = await queue();
      const results = [await q.send({ body: 'a' }), ...(await q.sendBatch([{ body: 'b' }, { body: 'c' }]))];
      const numbers = results.map((r) => r.sequence);
      if (numbers.every((n) => n === undefined)) return;
      assert.ok(numbers.every((n) => n !== undefined && /^\d{20}$/.test(n)), `sequence numbers of 20 digits: ${numbers.join(', ')}`);
      assert.deepEqual([...numbers].sort(), numbers, 'numbers grow in send order');
      assert.equal(new Set(numbers).size, 3, 'numbers are unique');
      const got = await q.receive({ max: 10 });
      const byId = new Map(results.map((r) => [r.id, r.sequence]));
      for (const d of got) assert.equal(d.sequence, byId.get(d.id), `the delivery of ${d.id} carries the number its send returned`);
    });

    test('firstReceivedAt, where recorded, is the time of the first lease and survives later ones', async ({ queue, engine, clock }) => {
      const q = await queue({ visibilityTimeoutMs: 1000 });
      await q.send({ body: 'x' });
      const leasedAt = clock.now();
      const [first] = await q.receive();
      assert.ok(first);
      if (first.firstReceivedAt === undefined) return;
      if (engine.features.injectedClock.supported) assert.equal(first.firstReceivedAt, leasedAt);
      await q.nack(first);
      await clock.advance(5000);
      const [second] = await q.receive();
      assert.equal(second?.attempt, 2);
      assert.equal(second?.firstReceivedAt, first.firstReceivedAt);
    });

    test('receive with waitMs 0 on an empty queue returns an empty list at once', async ({ queue }) => {
      const q = await queue();
      assert.deepEqual(await q.receive({ waitMs: 0 }), []);
      assert.deepEqual(await q.receive(), []);
    });

    test('receive returns at most max messages', async ({ queue }) => {
      const q = await queue();
      await q.sendBatch([1, 2, 3, 4, 5].map((n) => ({ body: n })));
      assert.equal((await q.receive()).length, 1, 'the default max is 1');
      assert.equal((await q.receive({ max: 2 })).length, 2);
      assert.equal((await q.receive({ max: 10 })).length, 2);
      assert.deepEqual(await q.receive({ max: 10 }), []);
    });

    test('receive with no wait returns as many of the ready messages as it asks for, batch after batch', async ({ queue }) => {
      const q = await queue();
      await q.sendBatch(Array.from({ length: 35 }, (_, n) => ({ body: n })));
      const sizes: number[] = [];
      for (let i = 0; i < 4; i++) sizes.push((await q.receive({ max: 10 })).length);
      assert.deepEqual(sizes, [10, 10, 10, 5]);
    });

    test('two receives never get the same message while it is leased', async ({ queue }) => {
      const q = await queue();
      await q.sendBatch([1, 2, 3].map((n) => ({ body: n })));
      const first = await q.receive({ max: 2 });
      const second = await q.receive({ max: 2 });
      assert.equal(first.length, 2);
      assert.equal(second.length, 1);
      assert.equal(new Set([...first, ...second].map((d) => d.id)).size, 3);
      assert.deepEqual(await q.receive({ max: 10 }), []);
      await expectStats(q, { ready: 0, leased: 3 });
    });

    test('concurrent receives share out the messages without handing any out twice', async ({ queue }) => {
      const q = await queue();
      const sent = await q.sendBatch([1, 2, 3, 4, 5].map((n) => ({ body: n })));
      const batches = await Promise.all(Array.from({ length: 8 }, () => q.receive({ max: 1 })));
      const all: Delivery[] = batches.flat();
      assert.equal(all.length, 5);
      assert.deepEqual(idSet(all), idSet(sent));
      await expectStats(q, { ready: 0, leased: 5 });
    });

    test('a queue with nothing in it reports empty stats', async ({ queue }) => {
      const q = await queue();
      await expectEmpty(q);
      await expectStats(q, { oldestAgeMs: 0, deadLettered: 0, expired: 0 });
    });
  });
}

/** A send result without the engine-specific sequence number (checked on its own). */
function withoutSequence(r: EnqueueResult): EnqueueResult {
  const { sequence: _sequence, ...rest } = r;
  return rest;
}
