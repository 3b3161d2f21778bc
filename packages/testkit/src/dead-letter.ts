import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { ErrorCode, Header, type Delivery, type Engine, type ManualClock } from '@switchyard/core';
import { caseRunner, expectCode, expectEmpty, expectStats, idSet, receiveOne, withDeadLetter, type ConformanceTarget } from './harness.js';

/** Asserts `dead-letter-at` is the engine's now (exact when it reads the injected clock). */
function expectDeadLetterAt(d: Delivery, engine: Engine, clock: ManualClock): void {
  const at = d.headers[Header.deadLetterAt];
  assert.ok(at !== undefined && /^\d+$/.test(at), `dead-letter-at is ${JSON.stringify(at)}, not epoch ms`);
  if (engine.features.injectedClock.supported) assert.equal(Number(at), clock.now());
}

/** Dead letters: a message that keeps failing, or is marked poison, moves to the DLQ with the story in its headers. */
export function deadLetterCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  void describe('dead letters', () => {
    test('a message nacked maxReceives times is in the dead-letter queue after the last nack, with the reason, source, attempts and last error', { needs: ['deadLetter'] }, async ({ broker, engine, clock }) => {
      const { source, dlq } = await withDeadLetter(broker, 3);
      await source.send({ id: 'doomed', type: 'job', body: { n: 1 }, headers: { 'correlation-id': 'c-9' }, key: 'k-1' });
      for (let attempt = 1; attempt <= 3; attempt++) {
        const d = await receiveOne(source, `attempt ${attempt}`);
        assert.equal(d.attempt, attempt);
        if (attempt < 3) {
          await source.nack(d, { error: new Error(`fail ${attempt}`) });
          await expectEmpty(dlq, `the DLQ after nack ${attempt}`);
        } else {
          await source.nack(d, { error: new Error('boom') });
        }
      }
      await expectEmpty(source, 'the source after the last nack');
      await expectStats(source, { deadLettered: 1 });
      const dead = await receiveOne(dlq, 'the dead-lettered message');
      assert.equal(dead.id, 'doomed');
      assert.equal(dead.type, 'job');
      assert.deepEqual(dead.body, { n: 1 });
      assert.equal(dead.key, 'k-1');
      assert.equal(dead.headers['correlation-id'], 'c-9', 'the original headers are kept');
      assert.equal(dead.headers[Header.deadLetterReason], 'max-receives');
      assert.equal(dead.headers[Header.deadLetterSource], source.name);
      assert.equal(dead.headers[Header.deadLetterAttempts], '3');
      assert.equal(dead.headers[Header.deadLetterError], 'Error: boom');
      expectDeadLetterAt(dead, engine, clock);
    });

    test('a message whose last allowed lease expires moves to the dead-letter queue on the next receive, which does not get it', { needs: ['deadLetter', 'injectedClock'] }, async ({ broker, clock }) => {
      const { source, dlq } = await withDeadLetter(broker, 2, 5_000);
      await source.send({ id: 'slow', body: 'x' });
      assert.equal((await receiveOne(source)).attempt, 1);
      await clock.advance(6_000);
      assert.equal((await receiveOne(source)).attempt, 2);
      await clock.advance(6_000);
      assert.deepEqual(await source.receive({ max: 10 }), [], 'the message was leased a third time');
      await expectEmpty(source);
      await expectStats(source, { deadLettered: 1 });
      const dead = await receiveOne(dlq);
      assert.equal(dead.id, 'slow');
      assert.equal(dead.headers[Header.deadLetterReason], 'max-receives');
      assert.equal(dead.headers[Header.deadLetterSource], source.name);
      assert.equal(dead.headers[Header.deadLetterAttempts], '2');
    });

    test('a receive that meets a used-up message still returns the messages behind it', { needs: ['deadLetter', 'injectedClock'] }, async ({ broker, clock }) => {
      const { source, dlq } = await withDeadLetter(broker, 1, 5_000);
      await source.send({ id: 'first', body: 1 });
      await receiveOne(source);
      await clock.advance(6_000);
      await source.send({ id: 'second', body: 2 });
      const got = await source.receive({ max: 10 });
      assert.deepEqual(got.map((d) => d.id), ['second']);
      assert.equal((await receiveOne(dlq)).id, 'first');
    });

    test('a receive with a zero visibility timeout that meets a used-up message still fills up from the messages behind it', { needs: ['deadLetter', 'injectedClock'] }, async ({ broker, clock }) => {
      const { source, dlq } = await withDeadLetter(broker, 2, 5_000);
      await source.send({ id: 'first', body: 1 });
      await receiveOne(source);
      await clock.advance(6_000);
      assert.equal((await receiveOne(source)).attempt, 2);
      await clock.advance(6_000);
      await source.sendBatch([
        { id: 'second', body: 2 },
        { id: 'third', body: 3 },
      ]);
      const got = await source.receive({ max: 2, visibilityMs: 0 });
      assert.deepEqual(idSet(got), ['second', 'third']);
      // Ready again at once; a receive that has to pass 'first' moves it (an engine may skip it
      // while enough others are ready).
      const again = await source.receive({ max: 10 });
      assert.deepEqual(
        again.map((d) => [d.id, d.attempt]).sort(),
        [
          ['second', 2],
          ['third', 2],
        ],
      );
      assert.equal((await receiveOne(dlq)).id, 'first');
    });

    test('deadLetter(receipt) moves a poison message at once with reason "poison" and the error', { needs: ['deadLetter'] }, async ({ broker, engine, clock }) => {
      const { source, dlq } = await withDeadLetter(broker, 10);
      await source.send({ id: 'poison', body: 'not parseable' });
      const d = await receiveOne(source);
      await source.deadLetter(d, { error: new TypeError('cannot parse') });
      await expectEmpty(source);
      await expectStats(source, { deadLettered: 1 });
      const dead = await receiveOne(dlq);
      assert.equal(dead.id, 'poison');
      assert.equal(dead.body, 'not parseable');
      assert.equal(dead.headers[Header.deadLetterReason], 'poison');
      assert.equal(dead.headers[Header.deadLetterSource], source.name);
      assert.equal(dead.headers[Header.deadLetterAttempts], '1');
      assert.equal(dead.headers[Header.deadLetterError], 'TypeError: cannot parse');
      expectDeadLetterAt(dead, engine, clock);
    });

    test("the source's stats count every message moved to the dead-letter queue", { needs: ['deadLetter'] }, async ({ broker }) => {
      const { source, dlq } = await withDeadLetter(broker, 1);
      await source.sendBatch([{ body: 1 }, { body: 2 }, { body: 3 }]);
      const [a, b, c] = await source.receive({ max: 3 });
      assert.ok(a && b && c);
      await source.nack(a);
      await source.deadLetter(b);
      await source.ack(c);
      await expectStats(source, { deadLettered: 2, ready: 0, leased: 0 });
      await expectStats(dlq, { ready: 2 });
    });

    test('deadLetter on a queue without a dead-letter queue is refused with NO_DEAD_LETTER_QUEUE and the message stays', { needs: ['deadLetter'] }, async ({ queue }) => {
      const q = await queue();
      await q.send({ id: 'm', body: 'x' });
      const d = await receiveOne(q);
      await expectCode(() => q.deadLetter(d, { error: 'bad' }), ErrorCode.NoDeadLetterQueue);
      await expectStats(q, { leased: 1, deadLettered: 0 });
      await q.ack(d);
    });

    test('a message within maxReceives is not dead-lettered', { needs: ['deadLetter'] }, async ({ broker }) => {
      const { source, dlq } = await withDeadLetter(broker, 3);
      await source.send({ body: 'x' });
      await source.nack(await receiveOne(source));
      await source.nack(await receiveOne(source));
      await expectStats(source, { ready: 1, deadLettered: 0 });
      await expectEmpty(dlq);
      assert.equal((await receiveOne(source)).attempt, 3);
    });

    test('acking the old receipt of a dead-lettered message leaves the dead letter alone', { needs: ['deadLetter'] }, async ({ broker }) => {
      const { source, dlq } = await withDeadLetter(broker, 5);
      await source.send({ body: 'x' });
      const d = await receiveOne(source);
      await source.deadLetter(d);
      await source.ack(d).catch((error: unknown) => assert.ok(error)); // either harmless or refused
      await expectStats(dlq, { ready: 1 }, 'acking the old receipt deleted the dead letter');
    });
  });
}
