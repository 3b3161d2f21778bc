import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { Broker, ErrorCode, type OutgoingMessage } from '@switchyard/core';
import { comparable, caseRunner, emptyStats, expectCode, expectEmpty, expectStats, receiveOne, uniqueName, type ConformanceTarget } from './harness.js';

/**
 * Bad input: every refusal carries its typed code, and leaves stored data exactly as it was.
 * (Argument errors are in bad-arguments.ts.)
 */
export function badInputCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  void describe('bad input: names, missing queues, sizes, closed broker', () => {
    test('invalid queue names are refused with INVALID_NAME and create nothing', async ({ broker }) => {
      const bad: [string, string | undefined][] = [
        ['', undefined],
        ['a b', undefined],
        ['x'.repeat(81), undefined],
        ['a/b', undefined],
        ['émoji', undefined],
        [`${uniqueName('std')}.fifo`, 'a standard queue named .fifo'],
      ];
      for (const [queueName, why] of bad) {
        await expectCode(broker.createQueue(queueName, why ? { fifo: false } : {}), ErrorCode.InvalidName, why ?? JSON.stringify(queueName));
      }
      await expectCode(broker.createQueue(uniqueName('nofifo'), { fifo: true }), ErrorCode.InvalidName, 'a FIFO queue not named .fifo');
      assert.deepEqual(await broker.listQueues(), []);
    });

    test('an 80-character queue name is accepted (for FIFO, .fifo included)', async ({ broker }) => {
      const names = ['s'.repeat(80)];
      if (broker.features.fifo.supported) names.push(`${'f'.repeat(75)}.fifo`);
      for (const n of names) await broker.createQueue(n);
      assert.deepEqual((await broker.listQueues()).map((q) => q.name).sort(), names.sort());
    });

    test('operations on an unknown queue are refused with QUEUE_NOT_FOUND', async ({ broker, queue }) => {
      const real = await queue();
      await real.send({ body: 'x' });
      const d = await receiveOne(real);
      const missing = broker.queue(uniqueName('missing'));
      await expectCode(() => missing.send({ body: 'x' }), ErrorCode.QueueNotFound, 'send');
      await expectCode(() => missing.sendBatch([{ body: 'x' }, { body: 'y' }]), ErrorCode.QueueNotFound, 'sendBatch');
      await expectCode(() => missing.receive(), ErrorCode.QueueNotFound, 'receive');
      await expectCode(() => missing.receive({ waitMs: 5_000 }), ErrorCode.QueueNotFound, 'long-poll receive');
      await expectCode(() => missing.ack(d.receipt), ErrorCode.QueueNotFound, 'ack');
      await expectCode(() => missing.nack(d.receipt), ErrorCode.QueueNotFound, 'nack');
      await expectCode(() => missing.stats(), ErrorCode.QueueNotFound, 'stats');
      await expectCode(() => missing.purge(), ErrorCode.QueueNotFound, 'purge');
      await expectCode(() => missing.info(), ErrorCode.QueueNotFound, 'info');
      await expectCode(() => missing.update({ visibilityTimeoutMs: 1_000 }), ErrorCode.QueueNotFound, 'update');
      if (broker.features.peek.supported) await expectCode(() => missing.peek(), ErrorCode.QueueNotFound, 'peek');
      assert.deepEqual((await broker.listQueues()).map((q) => q.name), [real.name], 'a refused call created a queue');
      await expectStats(real, { leased: 1 });
    });

    test('a message over maxMessageBytes is refused with MESSAGE_TOO_LARGE and nothing is stored', async ({ engine, clock, queue }) => {
      const q = await queue();
      const small = new Broker(engine, { clock, maxMessageBytes: 2048 }).queue(q.name);
      await expectCode(() => small.send({ body: 'x'.repeat(2049) }), ErrorCode.MessageTooLarge, 'body alone');
      await expectCode(() => small.send({ body: 'x'.repeat(1500), headers: { big: 'y'.repeat(600) } }), ErrorCode.MessageTooLarge, 'headers count');
      await expectCode(() => small.send({ body: new Uint8Array(4096) }), ErrorCode.MessageTooLarge, 'bytes');
      await expectEmpty(q);
      await small.send({ body: 'x'.repeat(2048) });
      await expectStats(q, { ready: 1 }, 'a message of exactly the limit');
    });

    test('a batch of 3 with one message too large stores none of them', async ({ engine, clock, queue }) => {
      const q = await queue();
      const small = new Broker(engine, { clock, maxMessageBytes: 2048 }).queue(q.name);
      const batch: OutgoingMessage[] = [{ body: 'ok' }, { body: 'x'.repeat(3000) }, { body: 'ok too' }];
      await expectCode(() => small.sendBatch(batch), ErrorCode.MessageTooLarge);
      await expectEmpty(q);
    });

    test('the default message size limit is 256 KiB', async ({ engine, clock, queue }) => {
      const q = await queue();
      const defaults = new Broker(engine, { clock }).queue(q.name);
      await expectCode(() => defaults.send({ body: 'x'.repeat(256 * 1024 + 1) }), ErrorCode.MessageTooLarge);
      await expectEmpty(q);
    });

    test('a message of exactly maxMessageBytes is stored and delivered whole', async ({ broker, queue }) => {
      const q = await queue();
      const size = broker.limits.maxMessageBytes;
      const result = await q.send({ body: 'x'.repeat(size) });
      const [d] = await q.receive();
      assert.equal(d?.id, result.id);
      assert.equal(typeof d?.body, 'string');
      assert.equal((d?.body as string).length, size);
    });

    test('a batch over maxBatch is refused with BATCH_TOO_LARGE and nothing is stored', async ({ broker, queue }) => {
      const q = await queue();
      const max = broker.limits.maxBatch;
      const batch = Array.from({ length: max + 1 }, (_, i) => ({ body: i }));
      await expectCode(() => q.sendBatch(batch), ErrorCode.BatchTooLarge);
      await expectEmpty(q);
      await expectCode(() => q.receive({ max: max + 1 }), ErrorCode.InvalidArgument, 'receive max over maxBatch');
    });

    test('after broker.close() every operation is refused with CLOSED', async ({ broker, queue }) => {
      const q = await queue();
      await q.send({ body: 'x' });
      await broker.close();
      await expectCode(() => q.send({ body: 'y' }), ErrorCode.Closed, 'send');
      await expectCode(() => q.receive(), ErrorCode.Closed, 'receive');
      await expectCode(() => q.receive({ waitMs: 5_000 }), ErrorCode.Closed, 'long-poll receive');
      await expectCode(() => q.stats(), ErrorCode.Closed, 'stats');
      await expectCode(() => q.purge(), ErrorCode.Closed, 'purge');
      await expectCode(() => broker.createQueue(uniqueName()), ErrorCode.Closed, 'createQueue');
      await expectCode(() => broker.listQueues(), ErrorCode.Closed, 'listQueues');
    });

    test('closing the broker twice is harmless', async ({ broker }) => {
      await broker.close();
      await broker.close();
    });

    test('a refused call leaves a busy queue exactly as it was', async ({ broker, queue }) => {
      const q = await queue();
      await q.sendBatch([{ body: 1 }, { body: 2 }, { body: 3 }]);
      const d = await receiveOne(q);
      const before = await q.stats();
      await expectCode(() => q.sendBatch([{ body: 4 }, { body: undefined as never }]), ErrorCode.InvalidArgument);
      await expectCode(() => q.ack('garbage'), ErrorCode.InvalidReceipt);
      await expectCode(() => q.nack(d, { delayMs: -1 }), ErrorCode.InvalidArgument);
      await expectCode(() => broker.createQueue(q.name, { visibilityTimeoutMs: 1 }), ErrorCode.QueueAlreadyExists);
      assert.deepEqual(comparable(await q.stats()), comparable(before));
      assert.notDeepEqual(before, emptyStats);
    });
  });
}
