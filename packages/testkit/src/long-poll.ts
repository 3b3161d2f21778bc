import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { settle, type Delivery } from '@switchyard/core';
import { caseRunner, track, type ConformanceTarget } from './harness.js';

/**
 * Long polling: a waiting receive returns as soon as a message is ready, without the clock
 * moving (so no sleep loop), and returns empty when its wait runs out.
 *
 * A case whose poll is never woken hangs until the case watchdog fails it.
 */
export function longPollCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  void describe('long poll', () => {
    test('a waiting receive is woken by a send without the clock moving', async ({ queue }) => {
      const q = await queue();
      const poll = q.receive({ waitMs: 10_000 });
      await q.send({ id: 'wake', body: 'x' });
      const got = await poll;
      assert.deepEqual(got.map((d) => d.id), ['wake']);
      assert.equal(got[0]?.attempt, 1);
    });

    test('a waiting receive is woken by a batch and takes up to max of it', async ({ queue }) => {
      const q = await queue();
      const poll = q.receive({ waitMs: 10_000, max: 10 });
      await q.sendBatch([{ body: 1 }, { body: 2 }, { body: 3 }]);
      const got = await poll;
      assert.ok(got.length >= 1 && got.length <= 3, `got ${got.length}`);
      const rest = await q.receive({ max: 10 });
      assert.equal(got.length + rest.length, 3);
    });

    test('a waiting receive returns an empty list when waitMs runs out, not before', { needs: ['injectedClock'] }, async ({ queue, clock }) => {
      const q = await queue();
      const poll = track(q.receive({ waitMs: 10_000 }));
      await clock.advance(9_000);
      assert.equal(poll.settled, false, 'the poll ended before waitMs');
      await clock.advance(1_000);
      assert.deepEqual(await poll.promise, []);
    });

    test('a waiting receive is woken when a delayed message becomes ready', { needs: ['delays', 'injectedClock'] }, async ({ queue, clock }) => {
      const q = await queue();
      await q.send({ id: 'delayed', body: 'x', delayMs: 5_000 });
      const poll = track(q.receive({ waitMs: 10_000 }));
      await clock.advance(4_000);
      assert.equal(poll.settled, false, 'the poll ended before the message was ready');
      await clock.advance(1_000);
      assert.deepEqual((await poll.promise).map((d) => d.id), ['delayed']);
    });

    test('a waiting receive is woken when another consumer nacks a message', async ({ queue }) => {
      const q = await queue({ visibilityTimeoutMs: 60_000 });
      await q.send({ id: 'm', body: 'x' });
      const [leased] = await q.receive();
      assert.ok(leased);
      const poll = q.receive({ waitMs: 10_000 });
      await q.nack(leased);
      const got = await poll;
      assert.deepEqual(got.map((d) => d.id), ['m']);
      assert.equal(got[0]?.attempt, 2);
    });

    test("a waiting receive is woken when another consumer's lease expires", { needs: ['injectedClock'] }, async ({ queue, clock }) => {
      const q = await queue({ visibilityTimeoutMs: 60_000 });
      await q.send({ id: 'm', body: 'x' });
      await q.receive({ visibilityMs: 2_000 });
      const poll = q.receive({ waitMs: 10_000 });
      await clock.advance(2_500);
      const got = await poll;
      assert.deepEqual(got.map((d) => d.id), ['m']);
      assert.equal(got[0]?.attempt, 2);
    });

    test('one message wakes only one of several waiting receives', { needs: ['injectedClock'] }, async ({ queue, clock }) => {
      const q = await queue();
      const polls = [1, 2, 3].map(() => q.receive({ waitMs: 10_000 }));
      await q.send({ id: 'only', body: 'x' });
      await clock.advance(10_000);
      const results: Delivery[][] = await Promise.all(polls);
      assert.deepEqual(results.flat().map((d) => d.id), ['only']);
    });

    test('what waiting receives are given is leased to them: split without overlap, not delivered again, acked by its receipt', async ({ queue }) => {
      const q = await queue({ visibilityTimeoutMs: 60_000 });
      const polls = [q.receive({ waitMs: 10_000, max: 2 }), q.receive({ waitMs: 10_000, max: 2 })];
      await settle();
      await q.sendBatch([{ id: 'a', body: 1 }, { id: 'b', body: 2 }, { id: 'c', body: 3 }]);
      const first = await polls[0]!;
      const second = await polls[1]!;
      const given = [...first, ...second];
      assert.ok(first.length >= 1 && first.length <= 2 && second.length <= 2, `got ${first.length} and ${second.length}`);
      assert.equal(new Set(given.map((d) => d.id)).size, given.length, 'a message went to both receives');
      assert.ok(given.every((d) => d.attempt === 1));
      const rest = await q.receive({ max: 10 });
      assert.deepEqual([...given, ...rest].map((d) => d.id).sort(), ['a', 'b', 'c'], 'a message was delivered twice while leased, or lost');
      for (const d of [...given, ...rest]) await q.ack(d);
      assert.deepEqual(await q.receive({ max: 10 }), []);
    });

    test('many receives wait at once without a listener-leak warning, and all are served', async ({ queue }) => {
      // Each waiting poll listens for the engine closing (and for its own signal): more than ten
      // at once made Node warn "Possible EventTarget memory leak" on stderr, a false alarm.
      const q = await queue({ visibilityTimeoutMs: 60_000 });
      const warnings: string[] = [];
      const onWarning = (w: Error) => {
        if (w.name === 'MaxListenersExceededWarning') warnings.push(w.message);
      };
      process.on('warning', onWarning);
      try {
        const polls = Array.from({ length: 12 }, () => q.receive({ waitMs: 10_000 }));
        // Until they wait: a look at the queue is a round trip on a server engine. (Real time,
        // not the clock's: nothing here is timed; too short a pause only makes the check weaker.)
        await settle();
        await new Promise((r) => setTimeout(r, 200));
        await q.sendBatch(Array.from({ length: 12 }, (_, i) => ({ id: `m${i}`, body: i })));
        const got = (await Promise.all(polls)).flat();
        const rest = await q.receive({ max: 12 });
        assert.deepEqual([...got, ...rest].map((d) => d.id).sort(), Array.from({ length: 12 }, (_, i) => `m${i}`).sort());
        await settle();
        assert.deepEqual(warnings, []);
      } finally {
        process.off('warning', onWarning);
      }
    });

    test('aborting a waiting receive settles it promptly and loses no message', async ({ queue }) => {
      const q = await queue();
      const controller = new AbortController();
      const poll = q.receive({ waitMs: 10_000, signal: controller.signal }).then(
        (got) => ({ got }),
        (error: unknown) => ({ error }),
      );
      await settle();
      controller.abort();
      const outcome = await poll;
      if ('got' in outcome) assert.deepEqual(outcome.got, [], 'an aborted poll may resolve, but only empty');
      await q.send({ id: 'after-abort', body: 'x' });
      const [d] = await q.receive();
      assert.equal(d?.id, 'after-abort', 'the aborted poll swallowed a message sent after the abort');
      assert.equal(d?.attempt, 1);
    });

    test('closing the broker ends pending long polls with an empty list', async ({ queue, broker }) => {
      const q = await queue();
      const polls = [q.receive({ waitMs: 10_000 }), q.receive({ waitMs: 10_000, max: 5 })];
      await settle();
      await broker.close();
      assert.deepEqual(await Promise.all(polls), [[], []]);
    });
  });
}
