/**
 * The server's push channel (GET /v1/ws) spoken frame by frame against a real server process:
 * receives answered as messages arrive, settling over the socket, and no lease lost when a
 * client goes away.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Broker } from '@switchyard/core';
import { openRemoteBroker, ServerClock } from '@switchyard/remote';
import { uniqueName } from '@switchyard/testkit';
import type { ServerProcess } from '../support/server-process.js';
import { eventually, RawPushClient, startTestClockServer, waitingPolls } from './support.js';

let server: ServerProcess;
let clock: ServerClock;
let broker: Broker;

before(async () => {
  server = await startTestClockServer();
  clock = await ServerClock.connect(server.url);
  broker = await openRemoteBroker({ url: server.url, clock });
});
after(async () => {
  await broker?.close();
  await server.stop();
  server.cleanup();
});

describe('push channel', () => {
  it('answers each waiting receive as soon as its queue has a message, in whatever order that happens', async () => {
    const a = await broker.createQueue(uniqueName('a'));
    const b = await broker.createQueue(uniqueName('b'));
    const client = await RawPushClient.connect(server.url);
    client.send({ op: 'receive', id: 'ra', queue: a.name, waitMs: 60_000 });
    client.send({ op: 'receive', id: 'rb', queue: b.name, waitMs: 60_000, max: 10 });
    await b.sendBatch([{ id: 'b1', body: 1 }, { id: 'b2', body: { two: 2 } }]);
    const rb = await client.answer('rb');
    assert.deepEqual((rb.messages as { id: string }[]).map((m) => m.id).sort(), ['b1', 'b2']);
    assert.equal(client.frames.length, 1, 'the receive on the empty queue answered too');
    await a.send({ id: 'a1', body: new Uint8Array([1, 2]) });
    const [delivered] = (await client.answer('ra')).messages as Record<string, unknown>[];
    assert.equal(delivered?.id, 'a1');
    assert.equal(delivered?.bodyBase64, 'AQI=');
    assert.equal(delivered?.attempt, 1);
    await client.close();
  });

  it('acks, nacks and extends over the socket, and answers a bad receipt with its typed error', async () => {
    const q = await broker.createQueue(uniqueName('settle'), { visibilityTimeoutMs: 60_000 });
    await q.sendBatch([{ id: 'm1', body: 1 }, { id: 'm2', body: 2 }]);
    const client = await RawPushClient.connect(server.url);
    client.send({ op: 'receive', id: 1, queue: q.name, max: 2 });
    const [m1, m2] = (await client.answer(1)).messages as { receipt: string }[];
    assert.ok(m1 && m2);
    client.send({ op: 'extend', id: 2, queue: q.name, receipt: m1.receipt, visibilityMs: 120_000 });
    client.send({ op: 'ack', id: 3, queue: q.name, receipt: m1.receipt });
    client.send({ op: 'nack', id: 4, queue: q.name, receipt: m2.receipt, delayMs: 5_000 });
    client.send({ op: 'ack', id: 5, queue: q.name, receipt: 'garbage' });
    assert.deepEqual(await client.answer(2), { id: 2, ok: true });
    assert.deepEqual(await client.answer(3), { id: 3, ok: true });
    assert.deepEqual(await client.answer(4), { id: 4, ok: true });
    assert.equal(((await client.answer(5)).error as { code: string }).code, 'INVALID_RECEIPT');
    assert.deepEqual({ ...(await q.stats()), oldestAgeMs: 0 }, { ready: 0, leased: 0, delayed: 1, blocked: 0, oldestAgeMs: 0, deadLettered: 0, expired: 0 });
    await client.close();
  });

  it('a cancelled receive answers empty, and a message sent afterwards is left for others', async () => {
    const q = await broker.createQueue(uniqueName('cancel'));
    const client = await RawPushClient.connect(server.url);
    client.send({ op: 'receive', id: 'r', queue: q.name, waitMs: 60_000 });
    client.send({ op: 'cancel', id: 'r' });
    assert.deepEqual(await client.answer('r'), { id: 'r', messages: [] });
    await q.send({ id: 'later', body: 'x' });
    const [d] = await q.receive();
    assert.equal(d?.id, 'later');
    assert.equal(d?.attempt, 1);
    await client.close();
  });

  it('a client that disconnects mid-poll loses no lease: its wait ends, and what it held comes back after the visibility timeout', async () => {
    const q = await broker.createQueue(uniqueName('gone'), { visibilityTimeoutMs: 5_000 });
    await q.sendBatch([{ id: 'held-1', body: 1 }, { id: 'held-2', body: 2 }]);
    const client = await RawPushClient.connect(server.url);
    client.send({ op: 'receive', id: 'take', queue: q.name, max: 10 });
    assert.equal(((await client.answer('take')).messages as unknown[]).length, 2);
    client.send({ op: 'receive', id: 'wait', queue: q.name, waitMs: 60_000 });
    await eventually('the server holds the poll', async () => (await waitingPolls(server.url)) === 1);
    await client.close();
    await eventually('the server ends the poll of the closed connection', async () => (await waitingPolls(server.url)) === 0);

    await q.send({ id: 'fresh', body: 3 });
    assert.deepEqual({ ready: (await q.stats()).ready, leased: (await q.stats()).leased }, { ready: 1, leased: 2 }, 'the gone client still took a message');
    await clock.advance(5_000);
    const all = await q.receive({ max: 10 });
    assert.deepEqual(
      all.map((d) => [d.id, d.attempt]).sort(),
      [
        ['fresh', 1],
        ['held-1', 2],
        ['held-2', 2],
      ],
    );
  });

  it('a plain GET names the protocol, so clients can tell a server without the channel', async () => {
    const res = await fetch(`${server.url}/v1/ws`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { protocol: 'switchyard-push-1', upgrade: 'websocket' });
  });

  // Last: it stops the server.
  it('a receive still waiting when the server shuts down is answered empty before the socket closes', async () => {
    const q = await broker.createQueue(uniqueName('shutdown'));
    const client = await RawPushClient.connect(server.url);
    client.send({ op: 'receive', id: 'w', queue: q.name, waitMs: 60_000 });
    await eventually('the server holds the poll', async () => (await waitingPolls(server.url)) >= 1);
    const exited = server.stop();
    assert.deepEqual(await client.answer('w'), { id: 'w', messages: [] });
    await client.closed;
    assert.equal(await exited, 0);
  });
});
