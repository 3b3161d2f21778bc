import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { caseRunner, expectStats, receiveOne, type ConformanceTarget } from './harness.js';

/** FIFO deduplication: a deduplication id (explicit, or the body's hash) is remembered for a window. */
export function fifoDedupCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  const needs = ['fifo'] as const;
  void describe('fifo deduplication', () => {
    test('a message with a dedupId seen within the window is reported as a duplicate and delivered once', { needs }, async ({ fifoQueue }) => {
      const q = await fifoQueue();
      const first = await q.send({ body: { n: 1 }, key: 'a', dedupId: 'order-1' });
      assert.equal(first.duplicate, false);
      const second = await q.send({ body: { n: 2 }, key: 'a', dedupId: 'order-1' });
      assert.equal(second.duplicate, true);
      await expectStats(q, { ready: 1 });
      const d = await receiveOne(q);
      assert.deepEqual(d.body, { n: 1 }, 'the duplicate replaced the original');
      await q.ack(d);
      assert.deepEqual(await q.receive({ max: 10 }), []);
    });

    test('different dedupIds with the same body are both stored', { needs }, async ({ fifoQueue }) => {
      const q = await fifoQueue();
      await q.send({ body: 'same', key: 'a', dedupId: 'x-1' });
      const second = await q.send({ body: 'same', key: 'a', dedupId: 'x-2' });
      assert.equal(second.duplicate, false);
      await expectStats(q, { ready: 1, blocked: 1 });
    });

    test('without a dedupId, a message with the same body is a duplicate (content-based deduplication)', { needs }, async ({ fifoQueue }) => {
      const q = await fifoQueue();
      assert.equal((await q.send({ body: { sku: 'a', qty: 1 }, key: 'a' })).duplicate, false);
      assert.equal((await q.send({ body: { sku: 'a', qty: 1 }, key: 'a' })).duplicate, true);
      assert.equal((await q.send({ body: { sku: 'a', qty: 2 }, key: 'a' })).duplicate, false, 'a different body was taken for a duplicate');
      await expectStats(q, { ready: 1, blocked: 1 });
    });

    test('a duplicate within one batch is reported as such and stored once', { needs }, async ({ fifoQueue }) => {
      const q = await fifoQueue();
      const results = await q.sendBatch([
        { body: 1, key: 'a', dedupId: 'd-1' },
        { body: 2, key: 'a', dedupId: 'd-1' },
        { body: 3, key: 'a', dedupId: 'd-2' },
      ]);
      assert.deepEqual(results.map((r) => r.duplicate), [false, true, false]);
      await expectStats(q, { ready: 1, blocked: 1 });
    });

    test('a dedupId is remembered after its message was acked', { needs }, async ({ fifoQueue }) => {
      const q = await fifoQueue();
      await q.send({ body: 'x', key: 'a', dedupId: 'once' });
      await q.ack(await receiveOne(q));
      assert.equal((await q.send({ body: 'x', key: 'a', dedupId: 'once' })).duplicate, true);
      assert.deepEqual(await q.receive({ max: 10 }), []);
    });

    test('after the deduplication window the same dedupId is accepted again', { needs: ['fifo', 'injectedClock'] }, async ({ fifoQueue, clock }) => {
      const q = await fifoQueue({ dedupWindowMs: 2_000 });
      await q.send({ id: 'first', body: 'x', key: 'a', dedupId: 'd' });
      await clock.advance(1_500);
      assert.equal((await q.send({ body: 'x', key: 'a', dedupId: 'd' })).duplicate, true, 'forgotten inside the window');
      await clock.advance(1_000);
      const again = await q.send({ id: 'second', body: 'x', key: 'a', dedupId: 'd' });
      assert.equal(again.duplicate, false, 'still remembered after the window');
      await expectStats(q, { ready: 1, blocked: 1 });
      const first = await receiveOne(q);
      assert.equal(first.id, 'first');
      await q.ack(first);
      assert.equal((await receiveOne(q)).id, 'second');
    });

    test('a standard queue does not deduplicate', async ({ queue }) => {
      const q = await queue();
      assert.equal((await q.send({ body: 'x', dedupId: 'd' })).duplicate, false);
      assert.equal((await q.send({ body: 'x', dedupId: 'd' })).duplicate, false);
      await expectStats(q, { ready: 2 });
    });
  });
}
