import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { caseRunner, expectStats, type ConformanceTarget } from './harness.js';

/** Delayed send: a message is stored at once but hidden until its delay has passed. */
export function delayCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  const needs = ['delays', 'injectedClock'] as const;
  void describe('delays', () => {
    test('a message sent with delayMs is hidden until the delay has passed', { needs }, async ({ queue, clock }) => {
      const q = await queue();
      await q.send({ id: 'later', body: 'x', delayMs: 5_000 });
      await expectStats(q, { ready: 0, delayed: 1 });
      assert.deepEqual(await q.receive(), []);
      await clock.advance(4_000);
      assert.deepEqual(await q.receive(), []);
      await expectStats(q, { ready: 0, delayed: 1 });
      await clock.advance(1_500);
      await expectStats(q, { ready: 1, delayed: 0 });
      const [d] = await q.receive();
      assert.equal(d?.id, 'later');
      assert.equal(d?.attempt, 1);
    });

    test("the queue's delayMs applies to messages sent without their own", { needs }, async ({ queue, clock }) => {
      const q = await queue({ delayMs: 3_000 });
      await q.send({ id: 'm', body: 'x' });
      await expectStats(q, { ready: 0, delayed: 1 });
      await clock.advance(2_000);
      assert.deepEqual(await q.receive(), []);
      await clock.advance(1_500);
      await expectStats(q, { ready: 1, delayed: 0 });
      assert.equal((await q.receive())[0]?.id, 'm');
    });

    test("a message's own delayMs, even 0, overrides the queue's delay", { needs }, async ({ queue, clock }) => {
      const q = await queue({ delayMs: 60_000 });
      await q.sendBatch([
        { id: 'now', body: 'x', delayMs: 0 },
        { id: 'soon', body: 'y', delayMs: 2_000 },
      ]);
      await expectStats(q, { ready: 1, delayed: 1 });
      assert.equal((await q.receive())[0]?.id, 'now');
      await clock.advance(2_500);
      assert.equal((await q.receive())[0]?.id, 'soon');
    });

    test('delayed and immediate messages in one batch are each released at their own time', { needs }, async ({ queue, clock }) => {
      const q = await queue();
      await q.sendBatch([
        { id: 'a', body: 1, delayMs: 1_000 },
        { id: 'b', body: 2 },
        { id: 'c', body: 3, delayMs: 3_000 },
      ]);
      await expectStats(q, { ready: 1, delayed: 2 });
      await clock.advance(1_500);
      await expectStats(q, { ready: 2, delayed: 1 });
      await clock.advance(2_000);
      await expectStats(q, { ready: 3, delayed: 0 });
      const got = await q.receive({ max: 10 });
      assert.deepEqual(got.map((d) => d.id).sort(), ['a', 'b', 'c']);
    });
  });
}
