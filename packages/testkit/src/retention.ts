import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { caseRunner, expectStats, type ConformanceTarget } from './harness.js';

/** Retention: a message that outlives the queue's retention period is dropped and counted. */
export function retentionCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  const needs = ['retention', 'injectedClock'] as const;
  void describe('retention', () => {
    test('a message older than the retention period is never delivered', { needs }, async ({ queue, clock }) => {
      const q = await queue({ retentionMs: 60_000 });
      await q.send({ id: 'old', body: 'x' });
      await clock.advance(61_000);
      assert.deepEqual(await q.receive({ max: 10 }), []);
      await expectStats(q, { ready: 0, expired: 1 });
    });

    test('stats count an expired message as expired, not ready', { needs }, async ({ queue, clock }) => {
      const q = await queue({ retentionMs: 60_000 });
      await q.send({ body: 'x' });
      await clock.advance(59_000);
      await expectStats(q, { ready: 1, expired: 0 }, 'inside the retention period');
      await clock.advance(2_000);
      await expectStats(q, { ready: 0, delayed: 0, leased: 0, expired: 1, oldestAgeMs: 0 }, 'past the retention period');
    });

    test('a message inside the retention period is still delivered', { needs }, async ({ queue, clock }) => {
      const q = await queue({ retentionMs: 60_000 });
      await q.send({ id: 'young', body: 'x' });
      await clock.advance(59_000);
      const [d] = await q.receive();
      assert.equal(d?.id, 'young');
    });

    test('retention counts from when the message was stored, so only the old one expires', { needs }, async ({ queue, clock }) => {
      const q = await queue({ retentionMs: 60_000 });
      await q.send({ id: 'old', body: 1 });
      await clock.advance(30_000);
      await q.send({ id: 'new', body: 2 });
      await clock.advance(31_000);
      const got = await q.receive({ max: 10 });
      assert.deepEqual(got.map((d) => d.id), ['new']);
      await expectStats(q, { expired: 1 });
    });

    test('a leased message also expires when its retention period ends', { needs }, async ({ queue, clock }) => {
      const q = await queue({ retentionMs: 60_000, visibilityTimeoutMs: 120_000 });
      await q.send({ body: 'x' });
      await q.receive();
      await clock.advance(130_000);
      assert.deepEqual(await q.receive(), []);
      await expectStats(q, { ready: 0, leased: 0, expired: 1 });
    });
  });
}
