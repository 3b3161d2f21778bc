import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { settle } from '@switchyard/core';
import { caseRunner, track, type ConformanceTarget } from '../harness.js';
import { bodies, needsStreams, needsStreamsAndClock, newStream } from './support.js';

/**
 * Long polling a stream: a read at the end of a partition returns as soon as a record is
 * appended there, without the clock moving (so no sleep loop), and empty when its wait runs out.
 */
export function streamLongPollCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  void describe('streams: long poll', () => {
    test('a waiting read is woken by an append without the clock moving', { needs: needsStreams }, async ({ broker }) => {
      const s = await newStream(broker);
      await s.append({ body: 'old' });
      const poll = s.read({ partition: 0, offset: 1, waitMs: 10_000 });
      await settle();
      await s.append({ body: 'new' });
      assert.deepEqual(bodies(await poll), ['new']);
    });

    test('a waiting read returns empty when waitMs runs out, not before', { needs: needsStreamsAndClock }, async ({ broker, clock }) => {
      const s = await newStream(broker);
      const poll = track(s.read({ partition: 0, offset: 0, waitMs: 10_000 }));
      await clock.advance(9_000);
      assert.equal(poll.settled, false, 'the read ended before waitMs');
      await clock.advance(1_000);
      assert.deepEqual(await poll.promise, []);
    });

    test('an append to another partition does not end a read of this one', { needs: needsStreams }, async ({ broker }) => {
      const s = await newStream(broker, { partitions: 2 });
      const poll = track(s.read({ partition: 0, offset: 0, waitMs: 10_000 }));
      await s.append({ body: 'elsewhere', partition: 1 });
      await settle();
      assert.equal(poll.settled, false, 'woken by an append to partition 1');
      await s.append({ body: 'here', partition: 0 });
      assert.deepEqual(bodies(await poll.promise), ['here']);
    });

    test('a consumer poll waits across all its partitions and wakes on any of them', { needs: needsStreams }, async ({ broker }) => {
      const s = await newStream(broker, { partitions: 3 });
      const c = s.consumer('g', { start: 'earliest' });
      await c.join();
      const poll = c.poll({ waitMs: 3_000 });
      await settle();
      await s.append({ body: 'p2', partition: 2 });
      const got = await poll;
      assert.deepEqual(got.map((r) => [r.partition, r.body]), [[2, 'p2']]);
      await c.close();
    });

    test('closing the broker ends pending reads with an empty list', { needs: needsStreams }, async ({ broker }) => {
      const s = await newStream(broker);
      const polls = [s.read({ partition: 0, offset: 0, waitMs: 10_000 }), s.read({ partition: 0, offset: 0, waitMs: 10_000, max: 5 })];
      await settle();
      await broker.close();
      assert.deepEqual(await Promise.all(polls), [[], []]);
    });

    test('aborting a waiting read settles it and loses nothing', { needs: needsStreams }, async ({ broker }) => {
      const s = await newStream(broker);
      const controller = new AbortController();
      const poll = s.read({ partition: 0, offset: 0, waitMs: 10_000, signal: controller.signal }).then(
        (got) => ({ got }),
        (error: unknown) => ({ error }),
      );
      await settle();
      controller.abort();
      const outcome = await poll;
      if ('got' in outcome) assert.deepEqual(outcome.got, []);
      else assert.equal((outcome.error as { code?: string }).code, 'ABORTED');
      await s.append({ body: 'after' });
      assert.deepEqual(bodies(await s.read({ partition: 0, offset: 0 })), ['after']);
    });
  });
}
