/**
 * The remote engine against a real server process: typed errors over both transports, abort,
 * close, the HTTP fallback, and what happens when the server is missing or lacks the push channel.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  AbortedError,
  Broker,
  ClosedError,
  ErrorCode,
  InvalidReceiptError,
  isSwitchyardError,
  NotPartitionOwnerError,
  OffsetOutOfRangeError,
  QueueAlreadyExistsError,
  QueueNotFoundError,
  ReceiptExpiredError,
  type StreamEngine,
} from '@switchyard/core';
import { openRemoteBroker, openRemoteEngine, RemoteUnavailableError, ServerClock } from '@switchyard/remote';
import { uniqueName } from '@switchyard/testkit';
import type { ServerProcess } from '../support/server-process.js';
import { eventually, fakeServer, startTestClockServer, waitingPolls } from './support.js';

let server: ServerProcess;
/** Over the push channel where it applies (the default). */
let pushed: Broker;
/** HTTP only. */
let plain: Broker;

before(async () => {
  server = await startTestClockServer();
  const clock = await ServerClock.connect(server.url);
  pushed = await openRemoteBroker({ url: server.url, clock });
  plain = await openRemoteBroker({ url: server.url, clock, push: false });
});
after(async () => {
  await pushed?.close();
  await plain?.close();
  await server.stop();
  server.cleanup();
});

const both = () =>
  [
    ['push channel', pushed],
    ['HTTP', plain],
  ] as const;

describe('remote engine: errors', () => {
  it("the server's errors come back as core's classes, with their fields, over HTTP and the push channel", async () => {
    for (const [how, broker] of both()) {
      const missing = broker.queue(uniqueName('missing'));
      const notFound = await missing.send({ body: 'x' }).catch((e: unknown) => e);
      assert.ok(notFound instanceof QueueNotFoundError, `${how} send: ${String(notFound)}`);
      assert.equal(notFound.queue, missing.name);
      assert.ok((await missing.receive({ waitMs: 1_000 }).catch((e: unknown) => e)) instanceof QueueNotFoundError, `${how} receive`);

      const name = uniqueName('conflict');
      await broker.createQueue(name, { visibilityTimeoutMs: 10_000 });
      const conflict = await broker.createQueue(name).catch((e: unknown) => e);
      assert.ok(conflict instanceof QueueAlreadyExistsError, `${how} create`);
      assert.equal(conflict.queue, name);

      const a = await broker.createQueue(uniqueName('a'));
      const b = await broker.createQueue(uniqueName('b'));
      await a.send({ body: 'x' });
      const [d] = await a.receive();
      assert.ok(d);
      assert.ok((await b.ack(d).catch((e: unknown) => e)) instanceof InvalidReceiptError, `${how} foreign receipt`);
      await a.ack(d);
      const expired = await a.nack(d).catch((e: unknown) => e);
      assert.ok(expired instanceof ReceiptExpiredError, `${how} nack after ack: ${String(expired)}`);
      assert.equal(expired.queue, a.name);
    }
  });

  it('an unreachable server fails openRemoteEngine with RemoteUnavailableError, which is not a refusal', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const err = await openRemoteEngine({ url: `http://127.0.0.1:${port}`, requestTimeoutMs: 2_000 }).catch((e: unknown) => e);
    assert.ok(err instanceof RemoteUnavailableError, String(err));
    assert.equal(isSwitchyardError(err), false);
    assert.match(err.message, /GET \/healthz failed: ECONNREFUSED/);
  });
});

describe('remote engine: abort and close', () => {
  it('aborting a long poll rejects with ABORTED at once, over both transports, and the server stops waiting', async () => {
    for (const [how, broker] of both()) {
      const q = await broker.createQueue(uniqueName('abort'));
      const controller = new AbortController();
      // The server's clock never reaches 60 s here, so only the abort can end this poll.
      const poll = q.receive({ waitMs: 60_000, signal: controller.signal }).catch((e: unknown) => e);
      await eventually(`${how}: the server holds the poll`, async () => (await waitingPolls(server.url)) === 1);
      controller.abort();
      const err = await poll;
      assert.ok(err instanceof AbortedError, `${how}: ${String(err)}`);
      await eventually(`${how}: the server ends the aborted poll`, async () => (await waitingPolls(server.url)) === 0);
      await q.send({ id: 'after', body: 'x' });
      const [d] = await q.receive();
      assert.deepEqual([d?.id, d?.attempt], ['after', 1], `${how}: the aborted poll took the message`);
    }
  });

  it('a signal aborted before the call is refused without a request', async () => {
    const q = await pushed.createQueue(uniqueName('pre-aborted'));
    await q.send({ body: 'x' });
    await assert.rejects(q.receive({ signal: AbortSignal.abort() }), AbortedError);
    assert.equal((await q.stats()).ready, 1);
  });

  it('close ends waiting polls with [] over both transports, lets a send in flight finish, then refuses calls with CLOSED', async () => {
    for (const push of [true, false]) {
      const broker = await openRemoteBroker({ url: server.url, push });
      const q = await broker.createQueue(uniqueName('close'));
      const other = await broker.createQueue(uniqueName('other'));
      const polls = [q.receive({ waitMs: 60_000 }), q.receive({ waitMs: 60_000, max: 5 })];
      await eventually('the server holds both polls', async () => (await waitingPolls(server.url)) === 2);
      const sent = other.send({ id: 'in-flight', body: 'x' });
      await broker.close();
      assert.deepEqual(await Promise.all(polls), [[], []], `push ${push}`);
      assert.equal((await sent).id, 'in-flight');
      assert.equal((await pushed.queue(other.name).stats()).ready, 1, 'the send in flight was not stored');
      await assert.rejects(q.stats(), ClosedError);
      await assert.rejects(q.receive(), ClosedError);
      await broker.close();
      await eventually('the server ends the polls of the closed engine', async () => (await waitingPolls(server.url)) === 0);
      await pushed.queue(q.name).send({ id: 'after-close', body: 'x' });
      assert.equal((await pushed.queue(q.name).stats()).ready, 1, `push ${push}: a poll of the closed engine took the message`);
    }
  });
});

describe('remote engine: streams', () => {
  it('aborting or closing ends a waiting read at once, and the server stops waiting', async () => {
    const s = await plain.createStream(uniqueName('s'));
    const controller = new AbortController();
    // The server's clock never reaches 60 s here, so only the abort can end this read.
    const aborted = s.read({ partition: 0, offset: 0, waitMs: 60_000, signal: controller.signal }).catch((e: unknown) => e);
    await eventually('the server holds the read', async () => (await waitingPolls(server.url)) === 1);
    controller.abort();
    assert.ok((await aborted) instanceof AbortedError);
    await eventually('the server ends the aborted read', async () => (await waitingPolls(server.url)) === 0);

    const broker = await openRemoteBroker({ url: server.url });
    const closed = broker.stream(s.name).read({ partition: 0, offset: 0, waitMs: 60_000 });
    await eventually('the server holds the read', async () => (await waitingPolls(server.url)) === 1);
    await broker.close();
    assert.deepEqual(await closed, []);
    await eventually('the server ends the read of the closed engine', async () => (await waitingPolls(server.url)) === 0);
  });

  it("the server's stream errors come back as core's classes with the fields a consumer uses to recover", async () => {
    const s = await plain.createStream(uniqueName('s'), { partitions: 2 });
    await s.append({ body: 'x', partition: 1 });
    const range = await s.read({ partition: 1, offset: 5 }).catch((e: unknown) => e);
    assert.ok(range instanceof OffsetOutOfRangeError, String(range));
    assert.deepEqual([range.stream, range.partition, range.offset, range.start, range.end], [s.name, 1, 5, 0, 1]);
    const streams = plain.engine.streams as StreamEngine;
    const owner = await streams.joinGroup(s.name, 'g', { memberId: 'a', sessionTimeoutMs: 10_000, strategy: 'range', start: 'earliest' });
    const fenced = await streams.commit(s.name, 'g', { memberId: 'b "2"', generation: owner.generation, offsets: [{ partition: 1, offset: 1 }] }).catch((e: unknown) => e);
    assert.ok(fenced instanceof NotPartitionOwnerError, String(fenced));
    assert.deepEqual([fenced.stream, fenced.group, fenced.memberId, fenced.partition], [s.name, 'g', 'b "2"', 1]);
  });
});

describe('remote engine: HTTP fallback', () => {
  it('without the push channel, a long poll is woken by a send from another client', async () => {
    const q = plain.queue((await plain.createQueue(uniqueName('http'))).name);
    const poll = q.receive({ waitMs: 60_000 });
    await eventually('the server holds the poll', async () => (await waitingPolls(server.url)) === 1);
    await pushed.queue(q.name).send({ id: 'wake', body: 'x' });
    assert.deepEqual((await poll).map((d) => d.id), ['wake']);
  });

  it('receives beyond the 1000 one push connection may hold wait over HTTP instead of failing', async () => {
    const broker = await openRemoteBroker({ url: server.url });
    const q = await broker.createQueue(uniqueName('many'));
    const polls = Array.from({ length: 1001 }, () => q.receive({ waitMs: 60_000 }).catch((e: unknown) => e));
    await eventually('the server holds all 1001 polls', async () => (await waitingPolls(server.url)) === 1001);
    await broker.close();
    const outcomes = await Promise.all(polls);
    assert.deepEqual(
      outcomes.filter((o) => !Array.isArray(o) || o.length > 0),
      [],
    );
    await eventually('the server ends them all', async () => (await waitingPolls(server.url)) === 0);
  });

  it('against a server without the channel, leases go over HTTP after one probe, and the channel is not tried again', async () => {
    const fake = await fakeServer('refuse');
    try {
      const broker = new Broker(await openRemoteEngine({ url: fake.url, pushRetryMs: 0 }));
      assert.deepEqual(await broker.queue('q').receive({ waitMs: 0 }), []);
      assert.deepEqual(await broker.queue('q').receive({ waitMs: 0 }), []);
      await broker.close();
      assert.deepEqual(fake.seen, ['GET /healthz', 'UPGRADE /v1/ws', 'GET /v1/ws', 'POST /v1/queues/q/receive', 'POST /v1/queues/q/receive']);
    } finally {
      await fake.close();
    }
  });

  it('a push channel that stops answering is dropped after waitMs + pollGraceMs, and the receive finishes over HTTP', async () => {
    const fake = await fakeServer('silent');
    try {
      const broker = new Broker(await openRemoteEngine({ url: fake.url, pollGraceMs: 50, pushRetryMs: 60_000 }));
      assert.deepEqual(await broker.queue('q').receive({ waitMs: 0 }), []);
      assert.deepEqual(await broker.queue('q').receive({ waitMs: 0 }), [], 'the channel was tried again within pushRetryMs');
      await broker.close();
      assert.deepEqual(fake.seen, ['GET /healthz', 'UPGRADE /v1/ws', 'POST /v1/queues/q/receive', 'POST /v1/queues/q/receive']);
    } finally {
      await fake.close();
    }
  });
});

describe('remote engine: test clock', () => {
  it('a second clock that moves the server makes the first one fail loudly instead of drifting', async () => {
    const first = await ServerClock.connect(server.url);
    const second = await ServerClock.connect(server.url);
    await second.advance(1_000);
    await assert.rejects(first.advance(1_000), /the server's clock reads \d+ but this clock reads \d+/);
  });

  it('an engine refuses a clock that drives another server', async () => {
    const clock = await ServerClock.connect(server.url);
    await assert.rejects(
      openRemoteEngine({ url: 'http://127.0.0.1:1', clock }),
      (err: Error & { code?: string }) => err.code === ErrorCode.InvalidArgument && /^clock: drives http:\/\/127\.0\.0\.1:\d+, not this engine's server/.test(err.message),
    );
  });
});
