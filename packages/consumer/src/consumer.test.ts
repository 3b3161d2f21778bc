import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Header, type Delivery } from '@switchyard/core';
import { Consumer } from './consumer.js';
import { DoNotRetryError, LeaseLostError, RetryAfterError } from './errors.js';
import { counts, deferred, eventually, memoryLogger, testBroker, type Deferred } from './testing/harness.js';

describe('Consumer', () => {
  test('acks what the handler handled, and only that', async () => {
    await using t = await testBroker();
    const q = await t.broker.createQueue('basic');
    await q.sendBatch([{ body: 1 }, { body: 2 }, { body: 3 }]);
    const seen: unknown[] = [];
    await using _c = new Consumer({ broker: t.broker, queue: 'basic', handler: (m) => void seen.push(m.body), logger: memoryLogger().logger });
    await eventually(async () => (await q.stats()).ready + (await q.stats()).leased === 0, 'queue empty');
    assert.deepEqual(seen.sort(), [1, 2, 3]);
  });

  test('runs at most `concurrency` handlers and leases at most concurrency + prefetch messages', async () => {
    await using t = await testBroker();
    const q = await t.broker.createQueue('limits');
    await q.sendBatch(Array.from({ length: 10 }, (_, i) => ({ body: i })));
    const gates: Deferred[] = [];
    let running = 0;
    let maxRunning = 0;
    const c = new Consumer({
      broker: t.broker,
      queue: 'limits',
      concurrency: 2,
      prefetch: 3,
      logger: memoryLogger().logger,
      handler: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        const gate = deferred();
        gates.push(gate);
        await gate.promise;
        running--;
      },
    });
    await eventually(() => gates.length === 2 && c.buffered === 3, 'two running, three buffered');
    assert.deepEqual(await counts(t.broker, 'limits'), { ready: 5, leased: 5, delayed: 0 });
    gates[0]?.resolve();
    await eventually(() => gates.length === 3, 'a third handler started');
    await eventually(async () => (await counts(t.broker, 'limits')).leased === 5, 'the freed slot is leased again');
    assert.equal(maxRunning, 2);
    for (let i = 0; i < 10; i++) {
      await eventually(() => gates.length > i, `handler ${i} started`);
      gates[i]?.resolve();
    }
    await eventually(async () => (await q.stats()).ready + (await q.stats()).leased === 0, 'all handled');
    assert.equal(maxRunning, 2);
    await c.close();
  });

  test('nacks a failure with nackDelayMs and redelivers it after the delay', async () => {
    await using t = await testBroker();
    const q = await t.broker.createQueue('failing');
    await q.send({ body: 'x' });
    const attempts: Delivery[] = [];
    await using _c = new Consumer({
      broker: t.broker,
      queue: 'failing',
      nackDelayMs: 5000,
      logger: memoryLogger().logger,
      handler: (m) => {
        attempts.push(m);
        if (m.attempt === 1) throw new Error('boom');
      },
    });
    await eventually(async () => (await q.stats()).delayed === 1, 'nacked with a delay');
    await t.clock.advance(4999);
    assert.equal(attempts.length, 1);
    await t.clock.advance(1);
    await eventually(async () => (await q.stats()).delayed + (await q.stats()).ready + (await q.stats()).leased === 0, 'handled on the second attempt');
    assert.deepEqual(attempts.map((a) => a.attempt), [1, 2]);
    const peek = await q.peek();
    assert.equal(peek.messages.length, 0);
  });

  test('RetryAfterError sets the nack delay; DoNotRetryError dead-letters with the cause recorded', async () => {
    await using t = await testBroker();
    const dlq = await t.broker.createQueue('ctl-dlq');
    const q = await t.broker.createQueue('ctl', { deadLetter: { queue: 'ctl-dlq', maxReceives: 10 } });
    await q.sendBatch([{ type: 'later', body: 1 }, { type: 'never', body: 2 }]);
    await using _c = new Consumer({
      broker: t.broker,
      queue: 'ctl',
      concurrency: 2,
      logger: memoryLogger().logger,
      handler: (m) => {
        if (m.type === 'later' && m.attempt === 1) throw new RetryAfterError(60_000, { cause: new Error('rate limited') });
        if (m.type === 'never') throw new DoNotRetryError('bad customer', { cause: new TypeError('no such customer') });
      },
    });
    await eventually(async () => (await dlq.stats()).ready === 1 && (await q.stats()).delayed === 1, 'one dead, one delayed');
    const [dead] = (await dlq.peek()).messages;
    assert.equal(dead?.type, 'never');
    assert.equal(dead?.headers[Header.deadLetterReason], 'poison');
    assert.equal(dead?.headers[Header.deadLetterError], 'TypeError: no such customer');
    await t.clock.advance(59_999);
    assert.equal((await q.stats()).delayed, 1);
    await t.clock.advance(1);
    await eventually(async () => (await q.stats()).delayed + (await q.stats()).ready + (await q.stats()).leased === 0, 'retried and handled');
  });

  test('DoNotRetryError on a queue without a DLQ keeps the message (nack) and logs an error', async () => {
    await using t = await testBroker();
    const q = await t.broker.createQueue('no-dlq');
    await q.send({ body: 1 });
    const { logger, lines } = memoryLogger();
    await using _c = new Consumer({ broker: t.broker, queue: 'no-dlq', nackDelayMs: 7000, logger, handler: () => Promise.reject(new DoNotRetryError('nope')) });
    await eventually(async () => (await q.stats()).delayed === 1, 'kept, delayed by nackDelayMs');
    assert.ok(lines.some((l) => l.level === 50 && l.msg.includes('no dead-letter queue')));
  });

  test('extends the lease of a long handler so nobody else gets the message', async () => {
    await using t = await testBroker();
    const q = await t.broker.createQueue('long');
    await q.send({ body: 'slow' });
    const gate = deferred();
    let started = 0;
    let signal: AbortSignal | undefined;
    const c = new Consumer({
      broker: t.broker,
      queue: 'long',
      visibilityMs: 10_000,
      logger: memoryLogger().logger,
      handler: async (_m, ctx) => {
        started++;
        signal = ctx.signal;
        await gate.promise;
      },
    });
    await eventually(() => started === 1, 'handler started');
    for (let i = 0; i < 6; i++) await t.clock.advance(5000);
    assert.equal((await q.receive({ max: 1 })).length, 0, 'the message stayed leased for 30 s of a 10 s lease');
    assert.equal(signal?.aborted, false);
    gate.resolve();
    await eventually(async () => (await q.stats()).leased === 0, 'acked');
    assert.equal((await q.stats()).ready, 0);
    assert.equal(started, 1);
    await c.close();
  });

  test('without autoExtend the lease runs out, and the late ack is refused and logged', async () => {
    await using t = await testBroker();
    const q = await t.broker.createQueue('short');
    await q.send({ body: 'slow' });
    const gate = deferred();
    const { logger, lines } = memoryLogger();
    let started = 0;
    const c = new Consumer({ broker: t.broker, queue: 'short', visibilityMs: 10_000, autoExtend: false, logger, handler: () => (started++, gate.promise) });
    await eventually(() => started === 1, 'handler started');
    await t.clock.advance(10_000);
    gate.resolve();
    await eventually(() => lines.some((l) => l.msg.includes('lease ended before settling')), 'late ack logged');
    await c.close();
  });

  test('a lost lease aborts the handler signal with LeaseLostError', async () => {
    await using t = await testBroker();
    const q = await t.broker.createQueue('lost');
    await q.send({ body: 1 });
    const aborted = deferred<unknown>();
    const c = new Consumer({
      broker: t.broker,
      queue: 'lost',
      visibilityMs: 10_000,
      logger: memoryLogger().logger,
      handler: (_m, ctx) => new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => (aborted.resolve(ctx.signal.reason), resolve()))),
    });
    await eventually(() => c.inFlight === 1, 'handler started');
    await q.purge(); // the message is gone: the next extension finds no lease
    await t.clock.advance(5000);
    assert.ok((await aborted.promise) instanceof LeaseLostError);
    await c.close();
  });

  test('close() releases buffered messages at once and lets running handlers finish', async () => {
    await using t = await testBroker();
    const q = await t.broker.createQueue('drain');
    await q.sendBatch([{ body: 1 }, { body: 2 }, { body: 3 }]);
    const gate = deferred();
    let started = 0;
    const c = new Consumer({ broker: t.broker, queue: 'drain', prefetch: 2, logger: memoryLogger().logger, handler: () => (started++, gate.promise) });
    await eventually(() => started === 1 && c.buffered === 2, 'one running, two buffered');
    let closed = false;
    const closing = c.close().then(() => (closed = true));
    await eventually(async () => (await q.stats()).ready === 2, 'buffered messages released');
    assert.equal(closed, false, 'close waits for the running handler');
    gate.resolve();
    await closing;
    assert.deepEqual(await counts(t.broker, 'drain'), { ready: 2, leased: 0, delayed: 0 });
    assert.equal(started, 1);
  });

  test('past drainTimeoutMs, close() aborts running handlers and releases their messages', async () => {
    await using t = await testBroker();
    const q = await t.broker.createQueue('stuck');
    await q.send({ body: 1 });
    let reason: unknown;
    const c = new Consumer({
      broker: t.broker,
      queue: 'stuck',
      drainTimeoutMs: 3000,
      logger: memoryLogger().logger,
      handler: (_m, ctx) => new Promise<void>(() => ctx.signal.addEventListener('abort', () => (reason = ctx.signal.reason))),
    });
    await eventually(() => c.inFlight === 1, 'handler started');
    let closed = false;
    const closing = c.close().then(() => (closed = true));
    await t.clock.advance(2999);
    assert.equal(closed, false);
    assert.equal(reason, undefined);
    await t.clock.advance(1);
    await closing;
    assert.equal((reason as { code?: string } | undefined)?.code, 'CLOSED');
    assert.deepEqual(await counts(t.broker, 'stuck'), { ready: 1, leased: 0, delayed: 0 });
  });

  test('await using drains on scope exit', async () => {
    await using t = await testBroker();
    const q = await t.broker.createQueue('scoped');
    {
      await using c = new Consumer({ broker: t.broker, queue: 'scoped', logger: memoryLogger().logger, handler: () => undefined });
      await q.send({ body: 1 });
      // The ack is committed (stats sees it) a little before the handler's run ends.
      await eventually(async () => c.inFlight === 0 && (await q.stats()).ready + (await q.stats()).leased === 0, 'handled');
    }
    await q.send({ body: 2 });
    assert.equal((await q.stats()).ready, 1, 'nobody consumes after the scope ended');
  });

  test('options are validated at construction with exact messages', async () => {
    await using t = await testBroker();
    const base = { broker: t.broker, queue: 'q', handler: () => undefined, logger: memoryLogger().logger };
    const cases: [Record<string, unknown>, string][] = [
      [{ concurrency: 0 }, 'concurrency: must be an integer from 1 to 1000, got 0'],
      [{ prefetch: -1 }, 'prefetch: must be an integer from 0 to 10000, got -1'],
      [{ waitMs: 0 }, 'waitMs: must be an integer from 1 to 60000, got 0'],
      [{ visibilityMs: 1.5 }, 'visibilityMs: must be an integer from 1 to 43200000, got 1.5'],
      [{ drainTimeoutMs: -5 }, 'drainTimeoutMs: must be an integer from 0 to 43200000, got -5'],
      [{ autoExtend: 'yes' }, 'autoExtend: must be a boolean'],
      [{ handler: 42 }, 'handler: must be a function'],
      [{ middleware: [1] }, 'middleware: must be an array of functions (next) => handler'],
      [{ concurrancy: 2 }, 'concurrancy: is not a consumer option'],
    ];
    for (const [bad, message] of cases) {
      assert.throws(() => new Consumer({ ...base, ...bad } as never), { code: 'INVALID_ARGUMENT', message });
    }
    assert.throws(() => new Consumer({ ...base, queue: 'bad name!' }), { code: 'INVALID_NAME' });
  });
});
