/**
 * SIGTERM: the server stops taking requests, ends waiting long polls at once with no messages,
 * closes the database cleanly and exits 0; everything acknowledged is there after a restart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServerProcess } from '../support/server-process.js';

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));

test('SIGTERM ends long polls, exits 0 and keeps the data', { timeout: 60_000 }, async () => {
  const server = await startServerProcess();
  try {
    await fetch(`${server.url}/v1/queues/kept`, { method: 'PUT' });
    await fetch(`${server.url}/v1/queues/idle`, { method: 'PUT' });
    assert.equal((await post(`${server.url}/v1/queues/kept/messages`, { messages: [{ body: 'survives' }] })).status, 200);
    const started = Date.now();
    const poll = post(`${server.url}/v1/queues/idle/receive`, { waitMs: 30_000 });
    await new Promise((r) => setTimeout(r, 300));
    const exit = server.stop();
    const ended = await poll;
    assert.equal(ended.status, 200);
    assert.deepEqual(ended.json, { messages: [] });
    assert.ok(Date.now() - started < 10_000, 'the long poll was not ended by the shutdown');
    assert.equal(await exit, 0, `exit code; output:\n${server.output()}`);
    assert.match(server.output(), /SIGTERM: shutting down/);

    const again = await startServerProcess({ dataDir: server.dataDir });
    try {
      const got = await post(`${again.url}/v1/queues/kept/receive`, { max: 10 });
      assert.deepEqual(
        (got.json.messages as { body: unknown }[]).map((m) => m.body),
        ['survives'],
      );
    } finally {
      await again.stop();
    }
  } finally {
    server.cleanup();
  }
});
