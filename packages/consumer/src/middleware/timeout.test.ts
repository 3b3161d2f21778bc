import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Consumer } from '../consumer.js';
import { HandlerTimeoutError } from '../errors.js';
import { eventually, memoryLogger, testBroker } from '../testing/harness.js';
import { timeout } from './timeout.js';

test('a handler past its timeout has its signal aborted and its message nacked', async () => {
  await using t = await testBroker();
  const q = await t.broker.createQueue('slow');
  await q.send({ body: 1 });
  let reason: unknown;
  let attempts = 0;
  await using _c = new Consumer({
    broker: t.broker,
    queue: 'slow',
    nackDelayMs: 60_000,
    logger: memoryLogger().logger,
    middleware: [timeout(2000)],
    // Ignores its signal on purpose: the timeout must not depend on the handler cooperating.
    handler: (_m, ctx) => {
      attempts++;
      ctx.signal.addEventListener('abort', () => (reason = ctx.signal.reason));
      return new Promise<void>(() => undefined);
    },
  });
  await eventually(() => attempts === 1, 'started');
  await t.clock.advance(1999);
  assert.equal(reason, undefined);
  assert.equal((await q.stats()).leased, 1);
  await t.clock.advance(1);
  assert.ok((reason as unknown) instanceof HandlerTimeoutError);
  await eventually(async () => (await q.stats()).delayed === 1, 'nacked with the ordinary delay');
  const [m] = (await q.peek()).messages;
  assert.equal(m?.receives, 1);
});

test('a handler that finishes in time is not affected', async () => {
  await using t = await testBroker();
  const q = await t.broker.createQueue('quick');
  await q.send({ body: 1 });
  let aborted = false;
  await using _c = new Consumer({
    broker: t.broker,
    queue: 'quick',
    logger: memoryLogger().logger,
    middleware: [timeout(2000)],
    handler: (_m, ctx) => void ctx.signal.addEventListener('abort', () => (aborted = true)),
  });
  await eventually(async () => (await q.stats()).ready + (await q.stats()).leased === 0, 'acked');
  await t.clock.advance(5000);
  assert.equal(aborted, false);
});

test('timeout is validated', () => {
  assert.throws(() => timeout(0), { message: 'timeout.ms: must be an integer from 1 to 43200000, got 0' });
});
