/** Long polls on the JSON API of a real server process: woken by sends, timed out, abandoned. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

let server: ServerProcess;
before(async () => {
  server = await startServerProcess();
  await fetch(`${server.url}/v1/queues/lp`, { method: 'PUT' });
});
after(async () => {
  await server.stop();
  server.cleanup();
});

const post = (path: string, body: unknown, signal?: AbortSignal) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...(signal ? { signal } : {}) });
const receive = async (waitMs: number) => ((await (await post('/v1/queues/lp/receive', { waitMs })).json()) as { messages: { body: unknown; attempt: number; receipt: string }[] }).messages;
const waiting = async () => Number(/^switchyard_long_polls_waiting (\d+)/m.exec(await (await fetch(`${server.url}/metrics`)).text())?.[1]);

describe('JSON API long polls', () => {
  it('waits until a message is sent, then returns it at once', async () => {
    const started = Date.now();
    const poll = receive(10_000);
    await new Promise((r) => setTimeout(r, 400));
    await post('/v1/queues/lp/messages', { messages: [{ body: 'late' }] });
    const got = await poll;
    const took = Date.now() - started;
    assert.deepEqual(
      got.map((m) => m.body),
      ['late'],
    );
    assert.ok(took >= 400 && took < 5000, `took ${took} ms`);
    await post('/v1/queues/lp/ack', { receipts: got.map((m) => m.receipt) });
  });

  it('returns no messages when waitMs runs out, not before', async () => {
    const started = Date.now();
    assert.deepEqual(await receive(700), []);
    assert.ok(Date.now() - started >= 650, 'returned before waitMs');
  });

  it('forgets a poll whose client went away, and loses nothing', async () => {
    const abort = new AbortController();
    const poll = post('/v1/queues/lp/receive', { waitMs: 20_000 }, abort.signal).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await waiting(), 1);
    abort.abort();
    await poll;
    for (let i = 0; i < 50 && (await waiting()) !== 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await waiting(), 0, 'the abandoned poll still waits');
    await post('/v1/queues/lp/messages', { messages: [{ body: 'for the next one' }] });
    const got = await receive(1000);
    assert.equal(got[0]?.body, 'for the next one');
    assert.equal(got[0]?.attempt, 1, 'the abandoned poll did not lease it');
  });
});
