import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { ErrorCode, type Delivery } from '@switchyard/core';
import { caseRunner, expectCode, expectEmpty, expectStats, uniqueName, type ConformanceTarget } from './harness.js';

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

    test('ackBatch acks every receipt it is given, deliveries or strings, in one call', async ({ queue }) => {
      const q = await queue();
      await q.sendBatch([{ body: 'a' }, { body: 'b' }, { body: 'c' }, { body: 'd' }]);
      const ds = await q.receive({ max: 4 });
      assert.equal(ds.length, 4);
      const [d1, d2, d3, d4] = ds as [Delivery, Delivery, Delivery, Delivery];
      const outcomes = await q.ackBatch([d1, d2.receipt, d3, d4.receipt]);
      assert.deepEqual(outcomes, [{ ok: true }, { ok: true }, { ok: true }, { ok: true }]);
      await expectEmpty(q);
      assert.deepEqual(await q.ackBatch([d1, d2]), [{ ok: true }, { ok: true }], 'acking again is harmless');
      assert.deepEqual(await q.ackBatch([]), [], 'an empty list is a no-op');
    });

    test('ackBatch reports a bad receipt in its place and still acks the others', async ({ queue }) => {
      const q = await queue({}, 'batch');
      const other = await queue({}, 'other');
      await q.sendBatch([{ id: 'k1', body: 'keep 1' }, { id: 'k2', body: 'keep 2' }, { id: 'k3', body: 'kept' }]);
      const fresh = await q.receive({ max: 2 });
      assert.equal(fresh.length, 2);
      await other.send({ body: 'elsewhere' });
      const [foreign] = await other.receive();
      assert.ok(foreign);
      const outcomes = await q.ackBatch([fresh[0] as Delivery, 'garbage', foreign, 42 as unknown as string, fresh[1] as Delivery]);
      const codes = outcomes.map((o) => (o.ok ? 'ok' : o.error.code));
      assert.deepEqual(codes, ['ok', ErrorCode.InvalidReceipt, ErrorCode.InvalidReceipt, ErrorCode.InvalidArgument, 'ok']);
      const failed = outcomes[1];
      assert.ok(failed && !failed.ok && typeof failed.error.message === 'string' && failed.error.message.length > 0);
      await expectStats(q, { ready: 1, leased: 0 }, 'the two acked are gone, the unreceived one is untouched');
      await expectStats(other, { leased: 1 }, 'a receipt of another queue touches nothing there');
      const [last] = await q.receive();
      assert.ok(last);
      const sparse = new Array<Delivery>(2);
      sparse[1] = last;
      const sparseCodes = (await q.ackBatch(sparse)).map((o) => (o.ok ? 'ok' : o.error.code));
      assert.deepEqual(sparseCodes, [ErrorCode.InvalidArgument, 'ok'], 'a hole in the list is reported in its place');
      await expectEmpty(q);
    });

    test('ackBatch reports an expired lease as RECEIPT_EXPIRED and acks the rest', { needs: ['injectedClock'] }, async ({ queue, clock }) => {
      const q = await queue({ visibilityTimeoutMs: 5_000 });
      await q.send({ id: 'late', body: 'expires' });
      const [late] = await q.receive({ visibilityMs: 1_000 });
      assert.ok(late);
      await q.sendBatch([{ id: 'k1', body: 'keep 1' }, { id: 'k2', body: 'keep 2' }]);
      const fresh = await q.receive({ max: 2 });
      assert.equal(fresh.length, 2);
      await clock.advance(2_000);
      const codes = (await q.ackBatch([fresh[0] as Delivery, late, fresh[1] as Delivery])).map((o) => (o.ok ? 'ok' : o.error.code));
      assert.deepEqual(codes, ['ok', ErrorCode.ReceiptExpired, 'ok']);
      const [again] = await q.receive();
      assert.equal(again?.id, 'late', 'the expired one comes back, the two acked ones do not');
      assert.equal(again?.attempt, 2);
      await q.ack(again as Delivery);
      await expectEmpty(q);
    });

    test('ackBatch refuses a list over the batch limit or on an unknown queue, acking none', async ({ broker, queue }) => {
      const q = await queue();
      await q.send({ body: 'x' });
      const [d] = await q.receive();
      assert.ok(d);
      await expectCode(() => q.ackBatch(Array.from({ length: 1001 }, () => d.receipt)), ErrorCode.BatchTooLarge);
      await expectCode(() => q.ackBatch('not a list' as unknown as string[]), ErrorCode.InvalidArgument);
      await expectCode(() => broker.queue(uniqueName('missing')).ackBatch([d.receipt]), ErrorCode.QueueNotFound);
      await expectStats(q, { leased: 1 }, 'nothing was acked');
    });
  });
}
