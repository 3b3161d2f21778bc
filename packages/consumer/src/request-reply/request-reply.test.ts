import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AbortedError, ClosedError, Header } from '@switchyard/core';
import { Consumer } from '../consumer.js';
import { DoNotRetryError, RequestFailedError, RequestTimeoutError } from '../errors.js';
import { eventually, memoryLogger, testBroker } from '../testing/harness.js';
import { Requester } from './requester.js';
import { respond } from './respond.js';

async function pricing(t: Awaited<ReturnType<typeof testBroker>>, calls: string[] = []) {
  await t.broker.createQueue('pricing');
  return new Consumer({
    broker: t.broker,
    queue: 'pricing',
    concurrency: 4,
    logger: memoryLogger().logger,
    handler: respond((req) => {
      const { sku } = req.body as { sku: string };
      calls.push(sku);
      if (sku === 'gone') throw new DoNotRetryError('discontinued');
      return { body: { sku, cents: sku.length * 100 } };
    }),
  });
}

test('request resolves with the matching reply; concurrent requests do not mix', async () => {
  await using t = await testBroker();
  await using _server = await pricing(t);
  await using requester = await Requester.open({ broker: t.broker, logger: memoryLogger().logger });
  const [a, b] = await Promise.all([
    requester.request('pricing', { type: 'price.get', body: { sku: 'ab' }, headers: { [Header.correlationId]: 'conv-1' } }),
    requester.request('pricing', { type: 'price.get', body: { sku: 'abcd' } }),
  ]);
  assert.deepEqual(a.body, { sku: 'ab', cents: 200 });
  assert.deepEqual(b.body, { sku: 'abcd', cents: 400 });
  assert.equal(a.type, 'price.get.reply');
  assert.equal(a.headers[Header.correlationId], 'conv-1');
});

test('a DoNotRetryError in the responder comes back as RequestFailedError', async () => {
  await using t = await testBroker();
  await using _server = await pricing(t);
  await using requester = await Requester.open({ broker: t.broker, logger: memoryLogger().logger });
  const err = await requester.request('pricing', { body: { sku: 'gone' } }).catch((e: unknown) => e);
  assert.ok(err instanceof RequestFailedError);
  assert.equal(err.remoteMessage, 'DoNotRetryError: do not retry: discontinued');
});

test('no reply in time rejects with RequestTimeoutError; a responder skips the expired request', async () => {
  await using t = await testBroker();
  await t.broker.createQueue('pricing');
  await using requester = await Requester.open({ broker: t.broker, timeoutMs: 5000, logger: memoryLogger().logger });
  const pending = requester.request('pricing', { body: { sku: 'x' } });
  let outcome: unknown;
  pending.catch((e: unknown) => (outcome = e));
  await eventually(async () => (await t.broker.queue('pricing').stats()).ready === 1, 'request sent');
  await t.clock.advance(4999);
  assert.equal(outcome, undefined);
  await t.clock.advance(1);
  await eventually(() => outcome !== undefined, 'timed out');
  assert.ok((outcome as unknown) instanceof RequestTimeoutError);
  // A responder that starts now sees the request past its deadline and skips it.
  const calls: string[] = [];
  await using _server = await pricing(t, calls);
  await eventually(async () => (await t.broker.queue('pricing').stats()).ready + (await t.broker.queue('pricing').stats()).leased === 0, 'skipped');
  assert.deepEqual(calls, []);
});

test('aborting the signal cancels the wait with AbortedError', async () => {
  await using t = await testBroker();
  await t.broker.createQueue('pricing');
  await using requester = await Requester.open({ broker: t.broker, logger: memoryLogger().logger });
  const controller = new AbortController();
  const pending = requester.request('pricing', { body: { sku: 'x' } }, { signal: controller.signal });
  await eventually(async () => (await t.broker.queue('pricing').stats()).ready === 1, 'request sent');
  controller.abort();
  await assert.rejects(pending, AbortedError);
  await assert.rejects(requester.request('pricing', { body: 1 }, { signal: controller.signal }), AbortedError);
});

test('close() rejects outstanding requests and deletes its own reply queue', async () => {
  await using t = await testBroker();
  await t.broker.createQueue('pricing');
  const requester = await Requester.open({ broker: t.broker, logger: memoryLogger().logger });
  const name = requester.replyQueue.name;
  assert.match(name, /^reply-[0-9a-f-]{36}$/);
  const outcome = requester.request('pricing', { body: 1 }).then(() => undefined, (e: unknown) => e);
  await eventually(async () => (await t.broker.queue('pricing').stats()).ready === 1, 'request sent');
  await requester.close();
  assert.ok((await outcome) instanceof ClosedError);
  assert.equal((await t.broker.listQueues()).some((q) => q.name === name), false);
  await assert.rejects(requester.request('pricing', { body: 1 }), ClosedError);
});
