import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { ErrorCode, Header, type Queue } from '@switchyard/core';
import { caseRunner, expectCode, expectEmpty, expectStats, ids, idSet, receiveOne, type ConformanceTarget } from './harness.js';

/** Sends one message per id, keyed by the id's first letter (a1, a2 → group "a"). */
async function sendKeyed(q: Queue, ...messageIds: string[]): Promise<void> {
  await q.sendBatch(messageIds.map((id) => ({ id, body: { id }, key: id.slice(0, 1) })));
}

/** FIFO ordering: strict order within a group key and at most one leased message per group. */
export function fifoCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  const needs = ['fifo'] as const;
  void describe('fifo ordering', () => {
    test('a queue whose name ends in .fifo is a FIFO queue', { needs }, async ({ fifoQueue }) => {
      const q = await fifoQueue();
      assert.equal((await q.info()).fifo, true);
    });

    test('messages of one key are delivered in the order they were sent', { needs }, async ({ fifoQueue }) => {
      const q = await fifoQueue();
      await sendKeyed(q, 'a1', 'a2');
      await q.send({ id: 'a3', body: {}, key: 'a' });
      await sendKeyed(q, 'a4', 'a5');
      const seen: string[] = [];
      for (let i = 0; i < 5; i++) {
        const d = await receiveOne(q);
        seen.push(d.id);
        await q.ack(d);
      }
      assert.deepEqual(seen, ['a1', 'a2', 'a3', 'a4', 'a5']);
    });

    test('at most one message per key is leased at a time; the next one follows the ack', { needs }, async ({ fifoQueue }) => {
      const q = await fifoQueue();
      await sendKeyed(q, 'a1', 'a2', 'b1');
      const first = await q.receive({ max: 10 });
      assert.deepEqual(idSet(first), ['a1', 'b1']);
      assert.deepEqual(await q.receive({ max: 10 }), [], 'a2 was leased while a1 was');
      await expectStats(q, { ready: 0, leased: 2, blocked: 1 });
      const a1 = first.find((d) => d.id === 'a1');
      assert.ok(a1);
      await q.ack(a1);
      assert.deepEqual(ids(await q.receive({ max: 10 })), ['a2']);
    });

    test('ackBatch of the heads of several keys releases the next message of each', { needs }, async ({ fifoQueue }) => {
      const q = await fifoQueue();
      await sendKeyed(q, 'a1', 'a2', 'b1', 'b2', 'c1');
      const heads = await q.receive({ max: 10 });
      assert.deepEqual(idSet(heads), ['a1', 'b1', 'c1']);
      assert.deepEqual(
        (await q.ackBatch(heads)).map((o) => o.ok),
        [true, true, true],
      );
      const next = await q.receive({ max: 10 });
      assert.deepEqual(idSet(next), ['a2', 'b2'], 'the next of each key, in order');
      await q.ackBatch(next);
      await expectEmpty(q);
    });

    test('a nacked message is delivered again before the next one of its key', { needs }, async ({ fifoQueue }) => {
      const q = await fifoQueue();
      await sendKeyed(q, 'a1', 'a2');
      await q.nack(await receiveOne(q));
      const again = await q.receive({ max: 10 });
      assert.deepEqual(ids(again), ['a1']);
      assert.equal(again[0]?.attempt, 2);
    });

    test('a message whose lease expired is delivered again before the next one of its key', { needs: ['fifo', 'injectedClock'] }, async ({ fifoQueue, clock }) => {
      const q = await fifoQueue({ visibilityTimeoutMs: 5_000 });
      await sendKeyed(q, 'a1', 'a2');
      await receiveOne(q);
      await clock.advance(6_000);
      const again = await q.receive({ max: 10 });
      assert.deepEqual(ids(again), ['a1']);
      assert.equal(again[0]?.attempt, 2);
    });

    test('a blocked key does not hold up other keys', { needs }, async ({ fifoQueue }) => {
      const q = await fifoQueue();
      await sendKeyed(q, 'a1', 'a2', 'b1', 'b2', 'c1');
      const a1 = await q.receive();
      assert.deepEqual(ids(a1), ['a1']);
      const rest = await q.receive({ max: 10 });
      assert.deepEqual(idSet(rest), ['b1', 'c1']);
    });

    test('a FIFO message that is dead-lettered after maxReceives unblocks the next message of its key', { needs: ['fifo', 'deadLetter'] }, async ({ broker, fifoName }) => {
      const dlq = await broker.createQueue(fifoName('dlq'), { fifo: true });
      const q = await broker.createQueue(fifoName('src'), { deadLetter: { queue: dlq.name, maxReceives: 2 } });
      await sendKeyed(q, 'a1', 'a2');
      await q.nack(await receiveOne(q));
      await q.nack(await receiveOne(q));
      const next = await q.receive({ max: 10 });
      assert.deepEqual(ids(next), ['a2']);
      const dead = await receiveOne(dlq);
      assert.equal(dead.id, 'a1');
      assert.equal(dead.key, 'a');
      assert.equal(dead.headers[Header.deadLetterReason], 'max-receives');
    });

    test('a poison FIFO message unblocks the next message of its key', { needs: ['fifo', 'deadLetter'] }, async ({ broker, fifoName }) => {
      const dlq = await broker.createQueue(fifoName('dlq'));
      const q = await broker.createQueue(fifoName('src'), { deadLetter: { queue: dlq.name, maxReceives: 5 } });
      await sendKeyed(q, 'a1', 'a2');
      await q.deadLetter(await receiveOne(q), { error: 'poison' });
      assert.deepEqual(ids(await q.receive({ max: 10 })), ['a2']);
    });
  });

  void describe('fifo rules', () => {
    test('a FIFO message without a key is refused with INVALID_ARGUMENT and nothing is stored', { needs }, async ({ fifoQueue }) => {
      const q = await fifoQueue();
      await expectCode(() => q.send({ body: 'no key' }), ErrorCode.InvalidArgument, 'single');
      await expectCode(() => q.sendBatch([{ body: 1, key: 'a' }, { body: 2 }]), ErrorCode.InvalidArgument, 'batch');
      await expectEmpty(q);
    });

    test('a per-message delayMs on a FIFO queue is refused with INVALID_ARGUMENT and nothing is stored', { needs }, async ({ fifoQueue }) => {
      const q = await fifoQueue();
      await expectCode(() => q.send({ body: 'x', key: 'a', delayMs: 1_000 }), ErrorCode.InvalidArgument);
      await expectCode(() => q.sendBatch([{ body: 1, key: 'a' }, { body: 2, key: 'a', delayMs: 5 }]), ErrorCode.InvalidArgument, 'batch');
      await expectEmpty(q);
    });

    test("a FIFO queue's dead-letter queue must be FIFO too (INVALID_ARGUMENT otherwise), and the other way round", { needs: ['fifo', 'deadLetter'] }, async ({ broker, name, fifoName }) => {
      const standardDlq = await broker.createQueue(name('dlq'));
      const fifoDlq = await broker.createQueue(fifoName('dlq'));
      const fifoSource = fifoName('src');
      await expectCode(broker.createQueue(fifoSource, { deadLetter: { queue: standardDlq.name, maxReceives: 3 } }), ErrorCode.InvalidArgument, 'FIFO source');
      await expectCode(broker.queue(fifoSource).info(), ErrorCode.QueueNotFound, 'the refused FIFO queue');
      const standardSource = name('src');
      await expectCode(broker.createQueue(standardSource, { deadLetter: { queue: fifoDlq.name, maxReceives: 3 } }), ErrorCode.InvalidArgument, 'standard source');
      await expectCode(broker.queue(standardSource).info(), ErrorCode.QueueNotFound, 'the refused standard queue');
    });
  });
}
