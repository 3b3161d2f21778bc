/**
 * Topic webhooks against a real server process and a real HTTP receiver: confirmation
 * handshake, HMAC signatures, filters, retries with backoff, dead-lettering, SSRF refusal.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { verifySignature } from '../../packages/server/src/webhooks/signature.js';
import { testApp } from '../../packages/server/src/testing.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  text: string;
  json: { type: string; token?: string; confirmUrl?: string; attempt?: number; message?: { body: unknown; headers: Record<string, string> } };
}

let server: ServerProcess;
let receiver: Server;
let base: string;
const received: Received[] = [];
/** Per path: how to answer. */
const behaviour = new Map<string, (r: Received, n: number) => { status: number; body?: unknown }>();

before(async () => {
  server = await startServerProcess({ args: ['--allow-private-webhooks', '--webhook-retry-base', '20'] });
  receiver = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      const r: Received = { path: req.url ?? '', headers: req.headers, text, json: JSON.parse(text) as Received['json'] };
      received.push(r);
      const n = received.filter((x) => x.path === r.path && x.json.type === 'Notification').length;
      const answer = behaviour.get(r.path)?.(r, n) ?? { status: 200 };
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body ?? {}));
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
after(async () => {
  await server.stop();
  server.cleanup();
  await new Promise((r) => receiver.close(r));
});

const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${server.url}${path}`, { method, ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

async function eventually<T>(get: () => T | undefined | Promise<T | undefined>, what: string, ms = 10_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const notifications = (path: string) => received.filter((r) => r.path === path && r.json.type === 'Notification');

describe('topic webhooks', () => {
  it('confirms by echoing the token, then delivers signed messages that match the filter', async () => {
    behaviour.set('/echo', (r) => (r.json.type === 'SubscriptionConfirmation' ? { status: 200, body: { token: r.json.token } } : { status: 200 }));
    await api('PUT', '/v1/topics/orders');
    const sub = await api('POST', '/v1/topics/orders/webhooks', { url: `${base}/echo`, filter: { region: ['eu'] } });
    assert.equal(sub.status, 200, JSON.stringify(sub.json));
    assert.equal(sub.json.status, 'confirmed');
    const secret = sub.json.secret as string;
    await api('POST', '/v1/topics/orders/messages', { messages: [{ body: { n: 1 }, headers: { region: 'eu' } }, { body: { n: 2 }, headers: { region: 'us' } }] });
    const got = await eventually(() => notifications('/echo')[0], 'a notification');
    assert.deepEqual(got.json.message?.body, { n: 1 });
    assert.ok(verifySignature(secret, got.headers['x-switchyard-timestamp'] as string, got.text, got.headers['x-switchyard-signature'] as string), 'signature');
    assert.ok(!verifySignature('another-secret-000000', got.headers['x-switchyard-timestamp'] as string, got.text, got.headers['x-switchyard-signature'] as string));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(notifications('/echo').length, 1, 'the us message did not match the filter');
  });

  it('holds delivery until the confirm URL is visited', async () => {
    behaviour.set('/manual', () => ({ status: 200 }));
    await api('PUT', '/v1/topics/manual');
    const sub = await api('POST', '/v1/topics/manual/webhooks', { url: `${base}/manual` });
    assert.equal(sub.json.status, 'pending');
    const confirmation = await eventually(() => received.find((r) => r.path === '/manual' && r.json.type === 'SubscriptionConfirmation'), 'the confirmation');
    await api('POST', '/v1/topics/manual/messages', { messages: [{ body: 'before' }] });
    const confirm = await fetch(confirmation.json.confirmUrl as string);
    assert.equal(confirm.status, 200);
    await api('POST', '/v1/topics/manual/messages', { messages: [{ body: 'after' }] });
    const got = await eventually(() => notifications('/manual')[0], 'a notification');
    assert.equal(got.json.message?.body, 'after', 'messages published before confirmation are not delivered');
    assert.equal((await api('GET', '/v1/webhooks/confirm?token=nonsense')).status, 400);
  });

  it('retries failures with backoff and delivers once the endpoint recovers', async () => {
    behaviour.set('/flaky', (r, n) => (r.json.type === 'SubscriptionConfirmation' ? { status: 200, body: { token: r.json.token } } : { status: n <= 2 ? 503 : 200 }));
    await api('PUT', '/v1/topics/flaky');
    await api('POST', '/v1/topics/flaky/webhooks', { url: `${base}/flaky` });
    await api('POST', '/v1/topics/flaky/messages', { messages: [{ body: 'eventually' }] });
    const third = await eventually(() => notifications('/flaky')[2], 'the third attempt');
    assert.equal(third.json.attempt, 3);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(notifications('/flaky').length, 3, 'no delivery after the success');
  });

  it('dead-letters a message after maxAttempts, with the last error', async () => {
    behaviour.set('/broken', (r) => (r.json.type === 'SubscriptionConfirmation' ? { status: 200, body: { token: r.json.token } } : { status: 500 }));
    await api('PUT', '/v1/topics/broken');
    const sub = await api('POST', '/v1/topics/broken/webhooks', { url: `${base}/broken`, maxAttempts: 2 });
    await api('POST', '/v1/topics/broken/messages', { messages: [{ body: 'doomed' }] });
    const dlq = sub.json.deadLetterQueue as string;
    const dead = await eventually(async () => {
      const peek = await api('GET', `/v1/queues/${dlq}/peek`);
      return (peek.json.messages as { body: unknown; headers: Record<string, string> }[])[0];
    }, 'the dead letter');
    assert.equal(dead.body, 'doomed');
    assert.match(dead.headers['dead-letter-error'] ?? '', /HTTP 500/);
    assert.equal(notifications('/broken').length, 2);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /switchyard_webhook_deliveries_total\{topic="broken",outcome="dead_lettered"\} 1/);
    assert.deepEqual((await api('DELETE', `/v1/topics/broken/webhooks/${sub.json.id as string}`)).json, { deleted: true });
  });

  it('refuses private and loopback targets unless allowed', async () => {
    const t = testApp();
    try {
      await t.broker.createTopic('t');
      for (const url of ['http://127.0.0.1:9/x', 'http://10.1.2.3/x', 'http://[::1]/x', 'http://169.254.169.254/latest', 'ftp://example.com/x']) {
        const res = await t.app.fastify.inject({ method: 'POST', url: '/v1/topics/t/webhooks', payload: { url } });
        assert.equal(res.statusCode, 400, url);
        assert.equal((JSON.parse(res.body) as { error: { code: string } }).error.code, 'INVALID_ARGUMENT');
      }
      assert.deepEqual(await t.broker.listQueues(), [], 'a refused webhook creates nothing');
    } finally {
      await t.close();
    }
  });
});
