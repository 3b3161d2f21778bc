import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Header } from '@switchyard/core';
import { Consumer } from '../consumer.js';
import { currentCorrelation, propagate } from '../correlation-scope.js';
import { DoNotRetryError } from '../errors.js';
import { counts, eventually, memoryLogger, testBroker } from '../testing/harness.js';
import { correlation } from './correlation.js';
import { logging } from './logging.js';
import { metrics, type HandlerFinished } from './metrics.js';

test('correlation: messages sent while handling carry the correlation id and name their cause', async () => {
  await using t = await testBroker();
  const q = await t.broker.createQueue('in');
  const out = await t.broker.createQueue('out');
  await using _c = new Consumer({
    broker: t.broker,
    queue: 'in',
    logger: memoryLogger().logger,
    middleware: [correlation()],
    handler: async () => {
      await Promise.resolve(); // the scope survives awaits
      await out.send({ body: 'next', headers: propagate() });
    },
  });
  await q.send({ id: 'cmd-1', body: 'start', headers: { [Header.correlationId]: 'conv-7', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
  await q.send({ id: 'cmd-2', body: 'start' });
  await eventually(async () => (await out.stats()).ready === 2, 'two sent');
  const sent = (await out.peek()).messages.map((m) => m.headers).sort((a, b) => String(a[Header.causationId]).localeCompare(String(b[Header.causationId])));
  assert.equal(sent[0]?.[Header.correlationId], 'conv-7');
  assert.equal(sent[0]?.[Header.causationId], 'cmd-1');
  assert.equal(sent[0]?.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  assert.equal(sent[1]?.[Header.correlationId], 'cmd-2', 'a message without one starts a conversation named by its id');
  assert.equal(sent[1]?.[Header.causationId], 'cmd-2');
  assert.equal(currentCorrelation(), undefined, 'no scope leaks out of the handler');
});

test('logging: one JSON line per outcome, with correlationId and the handling time', async () => {
  await using t = await testBroker();
  const q = await t.broker.createQueue('logged');
  const { logger, lines } = memoryLogger();
  await using _c = new Consumer({
    broker: t.broker,
    queue: 'logged',
    logger,
    concurrency: 2,
    middleware: [logging({ successLevel: 'info' })],
    handler: async (m, ctx) => {
      ctx.logger.info({ step: 'inside' }, 'working');
      if (m.body === 'bad') throw new Error('broken');
    },
  });
  await q.sendBatch([{ id: 'ok-1', body: 'good', headers: { [Header.correlationId]: 'conv-1' } }, { id: 'bad-1', body: 'bad' }]);
  await eventually(() => lines.filter((l) => l.msg === 'message handled' || l.msg === 'message failed').length === 2, 'two outcome lines');
  const handled = lines.find((l) => l.msg === 'message handled');
  assert.equal(handled?.correlationId, 'conv-1');
  assert.equal(handled?.messageId, 'ok-1');
  assert.equal(handled?.queue, 'logged');
  assert.equal(handled?.outcome, 'ack');
  assert.equal(handled?.durationMs, 0);
  const failed = lines.find((l) => l.msg === 'message failed');
  assert.equal(failed?.correlationId, 'bad-1');
  assert.equal(failed?.outcome, 'nack');
  assert.equal(failed?.level, 40);
  assert.equal((failed?.err as { message: string }).message, 'broken');
  assert.ok(lines.some((l) => l.msg === 'working' && l.correlationId === 'conv-1'), "the handler's own lines carry it too");
});

test('metrics: hooks see start and outcome; a throwing hook does not break handling', async () => {
  await using t = await testBroker();
  const dlq = await t.broker.createQueue('m-dlq');
  const q = await t.broker.createQueue('m', { deadLetter: { queue: 'm-dlq', maxReceives: 5 } });
  const finished: HandlerFinished[] = [];
  let started = 0;
  await using _c = new Consumer({
    broker: t.broker,
    queue: 'm',
    concurrency: 3,
    logger: memoryLogger().logger,
    middleware: [
      metrics({
        started: () => {
          started++;
          throw new Error('hook bug');
        },
        finished: (e) => void finished.push(e),
      }),
    ],
    handler: (m) => {
      if (m.body === 'dead') throw new DoNotRetryError('no');
      if (m.body === 'retry') throw new Error('later');
    },
  });
  await q.sendBatch([{ type: 'a', body: 'ok' }, { type: 'b', body: 'dead' }, { type: 'c', body: 'retry' }]);
  await eventually(() => finished.length === 3, 'three finished');
  assert.equal(started, 3);
  assert.deepEqual(finished.map((f) => `${f.type}:${f.outcome}`).sort(), ['a:ack', 'b:dead-letter', 'c:nack']);
  await eventually(async () => (await dlq.stats()).ready === 1, 'dead-lettered');
  assert.deepEqual(await counts(t.broker, 'm'), { ready: 0, leased: 0, delayed: 1 });
});
