import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { ErrorCode, type Delivery } from '@switchyard/core';
import { caseRunner, expectCode, expectStats, idSet, type ConformanceTarget } from './harness.js';

/** Leases: a received message is hidden until its lease ends, is extended, or is given back. */
export function visibilityCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  void describe('visibility', () => {
    test("a leased message stays invisible for the queue's default 30 s visibility timeout, then comes back with attempt 2", { needs: ['injectedClock'] }, async ({ queue, clock }) => {
      const q = await queue();
      await q.send({ id: 'm', body: 'work' });
      const [first] = await q.receive();
      assert.equal(first?.attempt, 1);
      assert.deepEqual(await q.receive(), [], 'visible while leased');
      await clock.advance(29_000);
      assert.deepEqual(await q.receive(), [], 'visible before the 30 s timeout');
      await expectStats(q, { ready: 0, leased: 1 });
      await clock.advance(2_000);
      const [second] = await q.receive();
      assert.equal(second?.id, 'm');
      assert.equal(second?.attempt, 2);
      assert.notEqual(second?.receipt, first?.receipt, 'a new lease needs a new receipt');
    });

    test("the queue's visibilityTimeoutMs sets the lease length", { needs: ['injectedClock'] }, async ({ queue, clock }) => {
      const q = await queue({ visibilityTimeoutMs: 5_000 });
      await q.send({ body: 'work' });
      await q.receive();
      await clock.advance(4_000);
      assert.deepEqual(await q.receive(), []);
      await clock.advance(2_000);
      assert.equal((await q.receive())[0]?.attempt, 2);
    });

    test('receive({ visibilityMs }) overrides the queue timeout for that lease', { needs: ['injectedClock'] }, async ({ queue, clock }) => {
      const q = await queue({ visibilityTimeoutMs: 60_000 });
      await q.send({ body: 'work' });
      await q.receive({ visibilityMs: 2_000 });
      await clock.advance(1_500);
      assert.deepEqual(await q.receive(), []);
      await clock.advance(1_000);
      assert.equal((await q.receive())[0]?.attempt, 2);
    });

    test('a receive with a zero visibility timeout leases each message once and leaves it ready again at once, its attempt counted', async ({ queue, engine }) => {
      const q = await queue({ visibilityTimeoutMs: 60_000 });
      await q.sendBatch([
        { id: 'a', body: 1 },
        { id: 'b', body: 2 },
      ]);
      const first = await q.receive({ max: 5, visibilityMs: 0 });
      assert.deepEqual(idSet(first), ['a', 'b']);
      // On a broker's own clock the lease ends by a timer and the message goes back over the
      // network: there "at once" is the next receive that waits a little.
      const waitMs = engine.features.injectedClock.supported ? 0 : 2_000;
      const again: Delivery[] = [];
      while (again.length < 2) {
        const got = await q.receive({ max: 5, waitMs });
        if (got.length === 0) break;
        again.push(...got);
      }
      assert.deepEqual(
        again.map((d) => [d.id, d.attempt]).sort(),
        [
          ['a', 2],
          ['b', 2],
        ],
      );
    });

    test('extend keeps a message invisible past its original timeout, until now + ms', { needs: ['injectedClock'] }, async ({ queue, clock }) => {
      const q = await queue({ visibilityTimeoutMs: 5_000 });
      await q.send({ body: 'long job' });
      const [d] = await q.receive();
      assert.ok(d);
      await clock.advance(4_000);
      await q.extend(d, 10_000); // the lease now ends at 14 s
      await clock.advance(2_000); // 6 s: past the original 5 s
      assert.deepEqual(await q.receive(), [], 'redelivered at the original timeout despite extend');
      await clock.advance(7_000); // 13 s
      assert.deepEqual(await q.receive(), [], 'redelivered before the extended lease ended');
      await clock.advance(2_000); // 15 s
      assert.equal((await q.receive())[0]?.attempt, 2);
    });

    test('extend keeps the receipt valid for ack', { needs: ['injectedClock'] }, async ({ queue, clock }) => {
      const q = await queue({ visibilityTimeoutMs: 5_000 });
      await q.send({ body: 'long job' });
      const [d] = await q.receive();
      assert.ok(d);
      await q.extend(d.receipt, 20_000);
      await clock.advance(10_000);
      await q.ack(d);
      await clock.advance(30_000);
      assert.deepEqual(await q.receive(), []);
    });

    test('extend can shorten a lease', { needs: ['injectedClock'] }, async ({ queue, clock }) => {
      const q = await queue({ visibilityTimeoutMs: 60_000 });
      await q.send({ body: 'x' });
      const [d] = await q.receive();
      assert.ok(d);
      await q.extend(d, 1_000);
      await clock.advance(2_000);
      assert.equal((await q.receive())[0]?.attempt, 2);
    });

    test('nack makes the message deliverable again at once, with attempt 2', async ({ queue }) => {
      const q = await queue({ visibilityTimeoutMs: 60_000 });
      await q.send({ id: 'm', body: 'retry me' });
      const [d] = await q.receive();
      assert.ok(d);
      await q.nack(d);
      await expectStats(q, { ready: 1, leased: 0 });
      const [again] = await q.receive();
      assert.equal(again?.id, 'm');
      assert.equal(again?.attempt, 2);
    });

    test('nack with delayMs hides the message for that long and counts it as delayed meanwhile', { needs: ['delays', 'injectedClock'] }, async ({ queue, clock }) => {
      const q = await queue({ visibilityTimeoutMs: 60_000 });
      await q.send({ id: 'm', body: 'back off' });
      const [d] = await q.receive();
      assert.ok(d);
      await q.nack(d, { delayMs: 5_000 });
      await expectStats(q, { ready: 0, leased: 0, delayed: 1 });
      assert.deepEqual(await q.receive(), []);
      await clock.advance(4_000);
      assert.deepEqual(await q.receive(), []);
      await clock.advance(1_500);
      await expectStats(q, { ready: 1, delayed: 0 });
      const [again] = await q.receive();
      assert.equal(again?.id, 'm');
      assert.equal(again?.attempt, 2);
    });

    test('nack after the lease ended is refused with RECEIPT_EXPIRED', { needs: ['injectedClock'] }, async ({ queue, clock }) => {
      const q = await queue({ visibilityTimeoutMs: 5_000 });
      await q.send({ body: 'x' });
      const [d] = await q.receive();
      assert.ok(d);
      await clock.advance(6_000);
      await expectCode(() => q.nack(d), ErrorCode.ReceiptExpired);
      await expectStats(q, { ready: 1, leased: 0 });
    });

    test('extend after the lease ended is refused with RECEIPT_EXPIRED', { needs: ['injectedClock'] }, async ({ queue, clock }) => {
      const q = await queue({ visibilityTimeoutMs: 5_000 });
      await q.send({ body: 'x' });
      const [d] = await q.receive();
      assert.ok(d);
      await clock.advance(6_000);
      await expectCode(() => q.extend(d, 30_000), ErrorCode.ReceiptExpired);
      assert.equal((await q.receive())[0]?.attempt, 2, 'the refused extend hid the message');
    });

    test('nack and extend with the receipt of a lease that was already nacked are refused with RECEIPT_EXPIRED', async ({ queue }) => {
      const q = await queue({ visibilityTimeoutMs: 60_000 });
      await q.send({ body: 'x' });
      const [first] = await q.receive();
      assert.ok(first);
      await q.nack(first);
      const [second] = await q.receive();
      assert.ok(second);
      await expectCode(() => q.nack(first), ErrorCode.ReceiptExpired, 'nack');
      await expectCode(() => q.extend(first, 1_000), ErrorCode.ReceiptExpired, 'extend');
      await expectStats(q, { ready: 0, leased: 1 }, 'the second lease survives');
      await q.ack(second);
    });
  });
}
