import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { ErrorCode } from '@switchyard/core';
import { caseRunner, expectCode, expectStats, uniqueName, type ConformanceTarget } from './harness.js';

/** Queue administration: create, inspect, change and delete queues. */
export function adminCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  void describe('queue admin', () => {
    test('info() returns every setting resolved, with the documented defaults', async ({ broker, engine, clock, name }) => {
      const queueName = name();
      const q = await broker.createQueue(queueName);
      const info = await q.info();
      const { createdAt, ...settings } = info;
      assert.deepEqual(settings, {
        name: queueName,
        fifo: false,
        visibilityTimeoutMs: 30_000,
        delayMs: 0,
        retentionMs: 345_600_000,
        deadLetter: null,
        dedupWindowMs: 300_000,
      });
      if (engine.features.injectedClock.supported) assert.equal(createdAt, clock.now());
      else assert.ok(Number.isInteger(createdAt));
    });

    test('info() returns the settings a queue was created with', { needs: ['deadLetter', 'delays'] }, async ({ broker, name }) => {
      const dlq = await broker.createQueue(name('dlq'));
      const q = await broker.createQueue(name(), {
        visibilityTimeoutMs: 10_000,
        delayMs: 2_000,
        retentionMs: 120_000,
        deadLetter: { queue: dlq.name, maxReceives: 4 },
      });
      const info = await q.info();
      assert.equal(info.visibilityTimeoutMs, 10_000);
      assert.equal(info.delayMs, 2_000);
      assert.equal(info.retentionMs, 120_000);
      assert.deepEqual(info.deadLetter, { queue: dlq.name, maxReceives: 4 });
    });

    test('createQueue with identical settings is idempotent and keeps the messages', async ({ broker, name }) => {
      const queueName = name();
      const q = await broker.createQueue(queueName, { visibilityTimeoutMs: 10_000 });
      const before = await q.info();
      await q.send({ body: 'kept' });
      await broker.createQueue(queueName, { visibilityTimeoutMs: 10_000 });
      assert.deepEqual(await q.info(), before);
      await expectStats(q, { ready: 1 });
    });

    test('createQueue with different settings is refused with QUEUE_ALREADY_EXISTS and changes nothing', async ({ broker, name }) => {
      const queueName = name();
      const q = await broker.createQueue(queueName, { visibilityTimeoutMs: 10_000 });
      const before = await q.info();
      await expectCode(broker.createQueue(queueName, { visibilityTimeoutMs: 20_000 }), ErrorCode.QueueAlreadyExists);
      await expectCode(broker.createQueue(queueName), ErrorCode.QueueAlreadyExists, 'defaults differ too');
      assert.deepEqual(await q.info(), before);
    });

    test('listQueues lists every queue, or those whose name starts with a prefix', async ({ broker }) => {
      const stem = uniqueName('lq');
      await broker.createQueue(`${stem}-a`);
      await broker.createQueue(`${stem}-b`);
      await broker.createQueue(uniqueName('other'));
      assert.deepEqual((await broker.listQueues(stem)).map((q) => q.name).sort(), [`${stem}-a`, `${stem}-b`]);
      const all = await broker.listQueues();
      assert.equal(all.length, 3);
      assert.ok(all.every((q) => typeof q.visibilityTimeoutMs === 'number'), 'listQueues returns full settings');
      assert.deepEqual(await broker.listQueues(uniqueName('none')), []);
    });

    test('update() changes settings and the new visibility timeout applies to the next lease', { needs: ['injectedClock'] }, async ({ queue, clock }) => {
      const q = await queue({ visibilityTimeoutMs: 60_000 });
      const updated = await q.update({ visibilityTimeoutMs: 1_000, delayMs: 0, retentionMs: 3_600_000 });
      assert.equal(updated.visibilityTimeoutMs, 1_000);
      assert.equal(updated.retentionMs, 3_600_000);
      assert.deepEqual(await q.info(), updated);
      await q.send({ body: 'x' });
      await q.receive();
      await clock.advance(1_500);
      assert.equal((await q.receive())[0]?.attempt, 2);
    });

    test('update() can set and clear a dead-letter queue', { needs: ['deadLetter'] }, async ({ broker, queue }) => {
      const dlq = await queue({}, 'dlq');
      const q = await queue();
      await q.update({ deadLetter: { queue: dlq.name, maxReceives: 2 } });
      assert.deepEqual((await q.info()).deadLetter, { queue: dlq.name, maxReceives: 2 });
      assert.deepEqual(await broker.engine.admin.listDeadLetterSources(dlq.name), [q.name]);
      await q.update({ deadLetter: null });
      assert.equal((await q.info()).deadLetter, null);
      assert.deepEqual(await broker.engine.admin.listDeadLetterSources(dlq.name), []);
    });

    test('a dead-letter policy naming a missing queue is refused with QUEUE_NOT_FOUND', { needs: ['deadLetter'] }, async ({ broker, name, queue }) => {
      const missing = name('missing');
      const source = name('src');
      await expectCode(broker.createQueue(source, { deadLetter: { queue: missing, maxReceives: 3 } }), ErrorCode.QueueNotFound, 'create');
      await expectCode(broker.queue(source).info(), ErrorCode.QueueNotFound, 'the refused queue');
      const q = await queue();
      await expectCode(() => q.update({ deadLetter: { queue: missing, maxReceives: 3 } }), ErrorCode.QueueNotFound, 'update');
      assert.equal((await q.info()).deadLetter, null);
    });

    test("deleting a queue that is another queue's dead-letter queue is refused with QUEUE_IN_USE", { needs: ['deadLetter'] }, async ({ broker, name }) => {
      const dlq = await broker.createQueue(name('dlq'));
      const source = await broker.createQueue(name('src'), { deadLetter: { queue: dlq.name, maxReceives: 3 } });
      await dlq.send({ body: 'kept' });
      await expectCode(() => broker.deleteQueue(dlq.name), ErrorCode.QueueInUse);
      await expectStats(dlq, { ready: 1 });
      assert.equal(await broker.deleteQueue(source.name), true);
      assert.equal(await broker.deleteQueue(dlq.name), true, 'the DLQ is free once its source is gone');
    });

    test('deleteQueue removes the queue and its messages; deleting a missing queue returns false', async ({ broker, name }) => {
      const queueName = name();
      const q = await broker.createQueue(queueName);
      await q.send({ body: 'x' });
      assert.equal(await broker.deleteQueue(queueName), true);
      assert.equal(await broker.deleteQueue(queueName), false);
      assert.equal(await broker.deleteQueue(name('never')), false);
      await expectCode(q.info(), ErrorCode.QueueNotFound);
      await expectCode(q.receive(), ErrorCode.QueueNotFound);
      assert.deepEqual(await broker.listQueues(), []);
    });

    test('a queue created again after deletion starts empty', async ({ broker, name }) => {
      const queueName = name();
      await (await broker.createQueue(queueName)).send({ body: 'old' });
      await broker.deleteQueue(queueName);
      const q = await broker.createQueue(queueName);
      assert.deepEqual(await q.receive({ max: 10 }), []);
    });

    test('listDeadLetterSources names the queues that dead-letter into a queue', { needs: ['deadLetter'] }, async ({ broker, name }) => {
      const dlq = await broker.createQueue(name('dlq'));
      const other = await broker.createQueue(name('other'));
      const a = await broker.createQueue(name('a'), { deadLetter: { queue: dlq.name, maxReceives: 3 } });
      const b = await broker.createQueue(name('b'), { deadLetter: { queue: dlq.name, maxReceives: 5 } });
      await broker.createQueue(name('c'), { deadLetter: { queue: other.name, maxReceives: 5 } });
      assert.deepEqual((await broker.engine.admin.listDeadLetterSources(dlq.name)).sort(), [a.name, b.name].sort());
      assert.deepEqual(await broker.engine.admin.listDeadLetterSources(a.name), []);
    });
  });
}
