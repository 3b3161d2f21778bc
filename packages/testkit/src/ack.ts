import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { ErrorCode } from '@switchyard/core';
import { caseRunner, expectCode, expectEmpty, expectStats, type ConformanceTarget } from './harness.js';

/** Ack: once it resolves the message is gone for good; bad receipts are refused with a typed error. */
export function ackCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  void describe('ack', () => {
    test('an acked message is never delivered again, even after its visibility timeout passes', { needs: ['injectedClock'] }, async ({ queue, clock }) => {
      const q = await queue({ visibilityTimeoutMs: 5_000 });
      await q.send({ body: 'once' });
      const [d] = await q.receive();
      assert.ok(d);
      await q.ack(d);
      await expectEmpty(q, 'right after the ack');
      await clock.advance(10_000);
      assert.deepEqual(await q.receive({ max: 10 }), []);
      await expectEmpty(q, 'after the visibility timeout');
    });

    test('acking the same receipt twice is harmless', async ({ queue }) => {
      const q = await queue();
      await q.sendBatch([{ body: 'a' }, { body: 'b' }]);
      const [d] = await q.receive();
      assert.ok(d);
      await q.ack(d.receipt);
      await q.ack(d.receipt);
      await expectStats(q, { ready: 1, leased: 0 }, 'the other message is untouched');
    });

    test('ack accepts the delivery itself or its receipt string', async ({ queue }) => {
      const q = await queue();
      await q.sendBatch([{ body: 'a' }, { body: 'b' }]);
      const [d1, d2] = await q.receive({ max: 2 });
      assert.ok(d1 && d2);
      await q.ack(d1);
      await q.ack(d2.receipt);
      await expectEmpty(q);
    });

    test('ack after the lease expired is refused with RECEIPT_EXPIRED and the message comes back', { needs: ['injectedClock'] }, async ({ queue, clock }) => {
      const q = await queue({ visibilityTimeoutMs: 5_000 });
      await q.send({ id: 'late', body: 'slow worker' });
      const [d] = await q.receive();
      assert.ok(d);
      await clock.advance(6_000);
      await expectCode(() => q.ack(d), ErrorCode.ReceiptExpired);
      const [again] = await q.receive();
      assert.equal(again?.id, 'late', 'the message was lost by the refused ack');
      assert.equal(again?.attempt, 2);
    });

    test('ack with the old receipt after the message was leased again is refused with RECEIPT_EXPIRED', { needs: ['injectedClock'] }, async ({ queue, clock }) => {
      const q = await queue({ visibilityTimeoutMs: 5_000 });
      await q.send({ body: 'x' });
      const [first] = await q.receive();
      assert.ok(first);
      await clock.advance(6_000);
      const [second] = await q.receive();
      assert.ok(second);
      await expectCode(() => q.ack(first), ErrorCode.ReceiptExpired);
      await expectStats(q, { leased: 1 }, 'the new lease survives');
      await q.ack(second);
      await expectEmpty(q);
    });

    test("ack with another queue's receipt is refused with INVALID_RECEIPT", async ({ queue }) => {
      const a = await queue({}, 'a');
      const b = await queue({}, 'b');
      await a.send({ body: 'in a' });
      await b.send({ body: 'in b' });
      const [da] = await a.receive();
      assert.ok(da);
      await expectCode(() => b.ack(da.receipt), ErrorCode.InvalidReceipt);
      await expectStats(a, { leased: 1 }, 'the message in a');
      await expectStats(b, { ready: 1, leased: 0 }, 'the message in b');
      await a.ack(da);
      await expectEmpty(a);
    });

    test('ack with a garbage receipt is refused with INVALID_RECEIPT', async ({ queue }) => {
      const q = await queue();
      await q.send({ body: 'x' });
      const [d] = await q.receive();
      assert.ok(d);
      for (const receipt of ['garbage', 'not-a-receipt:0:0', 'x'.repeat(200)]) {
        await expectCode(() => q.ack(receipt), ErrorCode.InvalidReceipt, `receipt ${JSON.stringify(receipt)}`);
      }
      await expectStats(q, { leased: 1 });
    });
  });
}
