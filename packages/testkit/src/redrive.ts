import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { deadLetterHeaders, settle, type Queue } from '@switchyard/core';
import { caseRunner, expectEmpty, expectStats, idSet, receiveOne, track, uniqueName, untilIoDone, withDeadLetter, type ConformanceTarget } from './harness.js';

/** Sends `ids` to `source` and poisons each one into its DLQ. */
async function killAll(source: Queue, ids: string[]): Promise<void> {
  await source.sendBatch(ids.map((id) => ({ id, body: { id }, headers: { origin: 'test' } })));
  const got = await source.receive({ max: ids.length });
  assert.equal(got.length, ids.length);
  for (const d of got) await source.deadLetter(d, { error: 'poison' });
}

/** Redrive: dead letters go back to where they came from (or elsewhere), as if new. */
export function redriveCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  const needs = ['deadLetter', 'redrive'] as const;
  void describe('redrive', () => {
    test('redrive moves every dead letter back to its own source queue, deliverable at once as attempt 1 without dead-letter headers', { needs }, async ({ broker }) => {
      const dlq = await broker.createQueue(uniqueName('dlq'));
      const deadLetter = { queue: dlq.name, maxReceives: 5 };
      const a = await broker.createQueue(uniqueName('a'), { deadLetter });
      const b = await broker.createQueue(uniqueName('b'), { deadLetter });
      await killAll(a, ['a1', 'a2']);
      await killAll(b, ['b1']);
      await expectStats(dlq, { ready: 3 });

      assert.deepEqual(await dlq.redrive(), { moved: 3, skipped: 0 });
      await expectEmpty(dlq, 'the DLQ after redrive');
      await expectStats(a, { ready: 2, delayed: 0 });
      await expectStats(b, { ready: 1, delayed: 0 });
      const fromA = await a.receive({ max: 10 });
      const fromB = await b.receive({ max: 10 });
      assert.deepEqual(idSet(fromA), ['a1', 'a2']);
      assert.deepEqual(idSet(fromB), ['b1']);
      for (const d of [...fromA, ...fromB]) {
        assert.equal(d.attempt, 1, `${d.id} kept its receive count`);
        assert.deepEqual(d.body, { id: d.id });
        assert.equal(d.headers.origin, 'test', `${d.id} lost its own headers`);
        for (const h of deadLetterHeaders) assert.equal(d.headers[h], undefined, `${d.id} still has ${h}`);
      }
    });

    test('a redriven message gets a fresh maxReceives budget', { needs }, async ({ broker }) => {
      const { source, dlq } = await withDeadLetter(broker, 2);
      await source.send({ id: 'm', body: 'x' });
      await source.nack(await receiveOne(source));
      await source.nack(await receiveOne(source));
      await expectStats(dlq, { ready: 1 });
      await dlq.redrive();
      await source.nack(await receiveOne(source));
      await expectStats(source, { ready: 1 }, 'dead-lettered again after one receive');
      await expectEmpty(dlq);
    });

    test('redrive({ to }) sends the dead letters to another queue', { needs }, async ({ broker, queue }) => {
      const { source, dlq } = await withDeadLetter(broker, 5);
      const other = await queue({}, 'other');
      await killAll(source, ['m1', 'm2']);
      assert.deepEqual(await dlq.redrive({ to: other.name }), { moved: 2, skipped: 0 });
      await expectEmpty(source, 'the source');
      await expectEmpty(dlq, 'the DLQ');
      const got = await other.receive({ max: 10 });
      assert.deepEqual(idSet(got), ['m1', 'm2']);
      for (const d of got) assert.equal(d.attempt, 1);
    });

    test('redrive({ max }) moves only that many and leaves the rest', { needs }, async ({ broker }) => {
      const { source, dlq } = await withDeadLetter(broker, 5);
      await killAll(source, ['m1', 'm2', 'm3', 'm4']);
      assert.deepEqual(await dlq.redrive({ max: 3 }), { moved: 3, skipped: 0 });
      await expectStats(dlq, { ready: 1 });
      await expectStats(source, { ready: 3 });
      assert.deepEqual(await dlq.redrive(), { moved: 1, skipped: 0 });
      await expectStats(source, { ready: 4 });
    });

    test('redrive of an empty dead-letter queue moves nothing', { needs }, async ({ broker }) => {
      const { dlq } = await withDeadLetter(broker, 5);
      assert.deepEqual(await dlq.redrive(), { moved: 0, skipped: 0 });
    });

    test('redrive skips messages whose source queue was deleted and leaves them in the dead-letter queue', { needs }, async ({ broker }) => {
      const { source, dlq } = await withDeadLetter(broker, 5);
      await killAll(source, ['orphan']);
      assert.equal(await broker.deleteQueue(source.name), true);
      assert.deepEqual(await dlq.redrive(), { moved: 0, skipped: 1 });
      await expectStats(dlq, { ready: 1 });
      assert.equal((await receiveOne(dlq)).id, 'orphan');
    });

    test('redrive({ maxPerSecond: 2 }) of 5 messages spreads the moves over about 2 s of clock time', { needs: [...needs, 'injectedClock'] }, async ({ broker, clock }) => {
      const { source, dlq } = await withDeadLetter(broker, 5);
      await killAll(source, ['m1', 'm2', 'm3', 'm4', 'm5']);
      const started = clock.now();
      const run = track(dlq.redrive({ maxPerSecond: 2 }));
      // Before each clock move, the engine is let finish what the clock already allows: a file
      // engine's steps and its last sync to disk are real I/O, slow on a busy machine, and a
      // clock moved before the redrive got to wait on it would be a move it never sees.
      const readyOnceMoved = async (n: number) => {
        await untilIoDone(async () => (await source.stats()).ready, (ready) => ready >= n || run.settled);
        await settle();
        return (await source.stats()).ready;
      };
      assert.equal(await readyOnceMoved(2), 2, 'not 2 moved before the clock moved');
      assert.equal(run.settled, false, 'redrive finished without waiting for the clock');
      await clock.advance(1_000);
      assert.equal(await readyOnceMoved(4), 4, 'not 4 moved within the first second');
      assert.equal(run.settled, false, 'redrive finished within 1 s');
      await clock.advance(1_000);
      await untilIoDone(async () => run.settled, (settled) => settled);
      assert.ok(run.settled, 'redrive still running after 2 s of clock time (and 10 s of real time for I/O)');
      assert.deepEqual(await run.promise, { moved: 5, skipped: 0 });
      assert.ok(clock.now() - started >= 2_000, `finished after only ${clock.now() - started} ms`);
      await expectStats(source, { ready: 5 });
      await expectEmpty(dlq);
    });
  });
}
