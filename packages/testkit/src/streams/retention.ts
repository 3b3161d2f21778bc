import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { ErrorCode, type Stream, type StreamStats } from '@switchyard/core';
import { caseRunner, expectCode, type ConformanceTarget } from '../harness.js';
import { bodies, needsStreamsAndClock as needs, newStream } from './support.js';

const record = (i: number) => ({ body: 'x'.repeat(199) + String(i % 10) });

/**
 * Applies retention now and returns the stream's cumulative counters and its one partition's
 * range. (Engines may also apply retention on their own schedule while the clock moves, so cases
 * look at the resulting state, not at what this particular pass removed.)
 */
async function trimmed(s: Stream): Promise<{ counts: [number, number, number]; range: [number, number, number] }> {
  await s.trim();
  const stats: StreamStats = await s.stats();
  const p = stats.partitions[0];
  return { counts: [stats.removedByAge, stats.removedBySize, stats.removedUncommitted], range: [p?.start ?? -1, p?.end ?? -1, p?.bytes ?? -1] };
}

/**
 * Retention removes the oldest records (by age or size) and moves the log's start; age never
 * removes what a live group has not committed, size does and says so.
 */
export function streamRetentionCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  void describe('streams: retention', () => {
    test('records older than maxAgeMs are removed, the start moves up, offsets stay dense', { needs }, async ({ broker, clock }) => {
      const s = await newStream(broker, { retention: { maxAgeMs: 60_000 } });
      await s.appendBatch([{ body: 'a' }, { body: 'b' }]);
      await clock.advance(30_000);
      await s.append({ body: 'c' });
      await clock.advance(29_000);
      assert.deepEqual(await trimmed(s), { counts: [0, 0, 0], range: [0, 3, 3] }, 'nothing is 60 s old yet');
      await clock.advance(1_001);
      assert.deepEqual(await trimmed(s), { counts: [2, 0, 0], range: [2, 3, 1] });
      await expectCode(s.read({ partition: 0, offset: 0 }), ErrorCode.OffsetOutOfRange, 'a removed offset');
      assert.deepEqual(bodies(await s.read({ partition: 0, offset: 2 })), ['c']);
      assert.equal((await s.append({ body: 'd' })).offset, 3);
      await clock.advance(30_000);
      assert.deepEqual(await trimmed(s), { counts: [3, 0, 0], range: [3, 4, 1] });
    });

    test('a live group keeps, past maxAgeMs, what it has not committed', { needs }, async ({ broker, clock }) => {
      const s = await newStream(broker, { retention: { maxAgeMs: 60_000 } });
      await s.appendBatch([1, 2, 3, 4].map((body) => ({ body })));
      const c = s.consumer('slow', { start: 'earliest', sessionTimeoutMs: 600_000 });
      await c.poll({ max: 1 });
      await c.commit();
      await clock.advance(120_000);
      assert.deepEqual((await trimmed(s)).counts, [1, 0, 0], 'only the committed record goes');
      assert.deepEqual(bodies(await c.poll({ max: 10 })), [2, 3, 4], 'the group reads everything it had not committed');
      await c.commit();
      assert.deepEqual(await trimmed(s), { counts: [4, 0, 0], range: [4, 4, 0] });
      await c.close();
    });

    test('a group whose members all expired no longer holds records back', { needs }, async ({ broker, clock }) => {
      const s = await newStream(broker, { retention: { maxAgeMs: 60_000 } });
      await s.appendBatch([{ body: 1 }, { body: 2 }]);
      const c = s.consumer('gone', { start: 'earliest', sessionTimeoutMs: 90_000 });
      await c.join();
      await clock.advance(61_000);
      assert.deepEqual((await trimmed(s)).counts, [0, 0, 0], 'held back while the member lives');
      await clock.advance(30_000);
      assert.deepEqual((await trimmed(s)).counts, [2, 0, 0]);
    });

    test('the size limit removes the oldest records even if a live group has not committed them, and counts those', { needs }, async ({ broker }) => {
      const s = await newStream(broker, { retention: { maxAgeMs: null, maxBytes: 1024 } });
      const c = s.consumer('behind', { start: 'earliest' });
      await c.join();
      await s.appendBatch(Array.from({ length: 10 }, (_, i) => record(i)));
      assert.deepEqual(await trimmed(s), { counts: [0, 5, 5], range: [5, 10, 1000] });
      const got = await c.poll({ max: 10 });
      assert.deepEqual(got.map((r) => r.offset), [5, 6, 7, 8, 9], 'the consumer carries on from the new start');
      await c.commit();
      await s.appendBatch(Array.from({ length: 2 }, (_, i) => record(i)));
      assert.deepEqual(await trimmed(s), { counts: [0, 7, 5], range: [7, 12, 1000] }, 'records the group had committed are not counted');
      await c.close();
    });

    test('without limits nothing is removed', { needs }, async ({ broker, clock }) => {
      const s = await newStream(broker, { retention: { maxAgeMs: null, maxBytes: null } });
      await s.appendBatch(Array.from({ length: 20 }, (_, i) => record(i)));
      await clock.advance(600_000);
      assert.deepEqual(await trimmed(s), { counts: [0, 0, 0], range: [0, 20, 4000] });
    });
  });
}
