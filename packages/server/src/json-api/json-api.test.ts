import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testApp } from '../testing.js';

let t: ReturnType<typeof testApp>;
before(() => {
  t = testApp();
});
after(() => t.close());

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await t.app.fastify.inject({ method: method as 'GET', url, ...(body === undefined ? {} : { payload: body as object }) });
  return { status: res.statusCode, json: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {} };
}

const code = (r: { json: Record<string, unknown> }) => (r.json.error as { code: string } | undefined)?.code;

describe('JSON API', () => {
  it('creates, reads, changes and deletes queues', async () => {
    assert.equal((await call('PUT', '/v1/queues/a-dlq')).status, 200);
    const created = await call('PUT', '/v1/queues/a', { visibilityTimeoutMs: 5000, deadLetter: { queue: 'a-dlq', maxReceives: 2 } });
    assert.equal(created.status, 200);
    assert.equal(created.json.visibilityTimeoutMs, 5000);
    assert.equal((await call('PUT', '/v1/queues/a', { visibilityTimeoutMs: 5000, deadLetter: { queue: 'a-dlq', maxReceives: 2 } })).status, 200, 'idempotent');
    const conflict = await call('PUT', '/v1/queues/a', { visibilityTimeoutMs: 6000 });
    assert.equal(conflict.status, 409);
    assert.equal(code(conflict), 'QUEUE_ALREADY_EXISTS');
    assert.equal((await call('PATCH', '/v1/queues/a', { delayMs: 100 })).json.delayMs, 100);
    assert.deepEqual((await call('GET', '/v1/queues/a-dlq/dead-letter-sources')).json, { queues: ['a'] });
    assert.equal(code(await call('DELETE', '/v1/queues/a-dlq')), 'QUEUE_IN_USE');
    assert.deepEqual((await call('DELETE', '/v1/queues/a')).json, { deleted: true });
    assert.equal((await call('GET', '/v1/queues/a')).status, 404);
    assert.equal(code(await call('PUT', '/v1/queues/bad%20name')), 'INVALID_NAME');
  });

  it('sends, receives, settles and inspects messages, bytes included', async () => {
    await call('PUT', '/v1/queues/m', { visibilityTimeoutMs: 60000 });
    const sent = await call('POST', '/v1/queues/m/messages', {
      messages: [{ body: { n: 1 }, headers: { h: 'v' } }, { bodyBase64: Buffer.from([0, 1, 2]).toString('base64') }, { body: 'text' }],
    });
    assert.equal((sent.json.results as unknown[]).length, 3);
    const peek = await call('GET', '/v1/queues/m/peek?max=2');
    assert.equal((peek.json.messages as unknown[]).length, 2);
    assert.equal(typeof peek.json.next, 'string');
    const got = (await call('POST', '/v1/queues/m/receive', { max: 10 })).json.messages as { receipt: string; body?: unknown; bodyBase64?: string }[];
    assert.deepEqual(
      got.map((m) => m.body ?? m.bodyBase64),
      [{ n: 1 }, 'AAEC', 'text'],
    );
    const [first, second, third] = got as [(typeof got)[0], (typeof got)[0], (typeof got)[0]];
    const acks = await call('POST', '/v1/queues/m/ack', { receipts: [first.receipt, 'garbage'] });
    assert.deepEqual(
      (acks.json.results as { ok: boolean }[]).map((r) => r.ok),
      [true, false],
    );
    assert.equal((await call('POST', '/v1/queues/m/extend', { receipt: second.receipt, visibilityMs: 120000 })).status, 200);
    assert.equal((await call('POST', '/v1/queues/m/nack', { receipt: second.receipt, delayMs: 0, error: 'later' })).status, 200);
    assert.equal(code(await call('POST', '/v1/queues/m/dead-letter', { receipt: third.receipt })), 'NO_DEAD_LETTER_QUEUE');
    const stats = (await call('GET', '/v1/queues/m/stats')).json;
    assert.equal(stats.ready, 1);
    assert.equal(stats.leased, 1);
    assert.deepEqual((await call('POST', '/v1/queues/m/purge')).json, { purged: 2 });
  });

  it('holds many long polls at once without a listener-leak warning, and ends them at shutdown', async () => {
    const own = testApp();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      await own.app.fastify.inject({ method: 'PUT', url: '/v1/queues/w' });
      const polls = Array.from({ length: 40 }, () => own.app.fastify.inject({ method: 'POST', url: '/v1/queues/w/receive', payload: { waitMs: 60_000 } }));
      // Every poll is waiting once the gauge says so.
      for (let turn = 0; ; turn++) {
        const metrics = (await own.app.fastify.inject({ method: 'GET', url: '/metrics' })).body;
        if (/switchyard_long_polls_waiting 40/.test(metrics)) break;
        assert.ok(turn < 1000, 'the 40 polls never all waited');
        await new Promise((r) => setImmediate(r));
      }
      own.app.beginShutdown();
      for (const res of await Promise.all(polls)) assert.deepEqual(JSON.parse(res.body), { messages: [] });
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(
        warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message),
        [],
      );
    } finally {
      process.off('warning', onWarning);
      await own.close();
    }
  });

  it('answers bad input with a 4xx and a stable code, and stores nothing', async () => {
    await call('PUT', '/v1/queues/b');
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/v1/queues/b/messages', { messages: 'nope' }, 400, 'INVALID_ARGUMENT'],
      ['POST', '/v1/queues/b/messages', { messages: [{ body: 1 }, { nobody: true }] }, 400, 'INVALID_ARGUMENT'],
      ['POST', '/v1/queues/b/messages', { messages: [{ body: 1 }, { body: 'x'.repeat(300_000) }] }, 413, 'MESSAGE_TOO_LARGE'],
      ['POST', '/v1/queues/b/messages', { messages: [{ bodyBase64: '!!!' }] }, 400, 'INVALID_ARGUMENT'],
      ['POST', '/v1/queues/nope/messages', { messages: [{ body: 1 }] }, 404, 'QUEUE_NOT_FOUND'],
      ['POST', '/v1/queues/b/receive', { max: 0 }, 400, 'INVALID_ARGUMENT'],
      ['POST', '/v1/queues/b/nack', { receipt: '1.2.3' }, 400, 'INVALID_RECEIPT'],
      ['POST', '/v1/topics/none/messages', { messages: [{ body: 1 }] }, 404, 'TOPIC_NOT_FOUND'],
      ['GET', '/v1/nothing-here', undefined, 404, 'NOT_FOUND'],
    ];
    for (const [method, url, body, status, expected] of cases) {
      const r = await call(method, url, body);
      assert.equal(r.status, status, `${method} ${url}`);
      assert.equal(code(r), expected, `${method} ${url}`);
    }
    const raw = await t.app.fastify.inject({ method: 'POST', url: '/v1/queues/b/messages', headers: { 'content-type': 'application/json' }, payload: '{"messages": [' });
    assert.equal(raw.statusCode, 400);
    assert.equal((await call('GET', '/v1/queues/b/stats')).json.ready, 0);
  });

  it('publishes to topics through filter policies', async () => {
    await call('PUT', '/v1/queues/eu');
    await call('PUT', '/v1/topics/events');
    assert.equal(code(await call('POST', '/v1/topics/events/subscriptions', { queue: 'eu', filter: { region: 'eu' } })), 'INVALID_FILTER_POLICY');
    const sub = await call('POST', '/v1/topics/events/subscriptions', { queue: 'eu', filter: { region: ['eu'] } });
    assert.equal(sub.status, 200);
    const r = await call('POST', '/v1/topics/events/messages', { messages: [{ body: 1, headers: { region: 'eu' } }, { body: 2, headers: { region: 'us' } }] });
    assert.deepEqual(
      (r.json.results as { deliveredTo: number }[]).map((x) => x.deliveredTo),
      [1, 0],
    );
    assert.equal(((await call('GET', '/v1/topics/events/subscriptions')).json.subscriptions as unknown[]).length, 1);
    assert.deepEqual((await call('DELETE', `/v1/topics/events/subscriptions/${sub.json.id as string}`)).json, { deleted: true });
  });

  it('serves health, readiness, OpenAPI and Prometheus metrics', async () => {
    await call('PUT', '/v1/queues/metered');
    await call('POST', '/v1/queues/metered/messages', { messages: [{ body: 1 }, { body: 2 }] });
    assert.equal((await call('GET', '/healthz')).status, 200);
    assert.equal((await call('GET', '/readyz')).status, 200);
    assert.equal((await call('GET', '/v1/openapi.json')).json.openapi, '3.1.0');
    const metrics = (await t.app.fastify.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /switchyard_queue_ready_messages\{queue="metered"\} 2/);
    assert.match(metrics, /switchyard_messages_sent_total\{queue="metered"\} 2/);
    assert.match(metrics, /switchyard_http_request_duration_seconds_bucket/);
  });

  it('times every request by route pattern, method and status, unmatched ones included', async () => {
    await call('PUT', '/v1/queues/timed');
    await call('POST', '/v1/queues/timed/messages', { messages: [{ body: 1 }] });
    assert.equal((await call('POST', '/v1/queues/no-such-queue/messages', { messages: [{ body: 1 }] })).status, 404);
    assert.equal((await call('GET', '/v1/nowhere')).status, 404);
    const metrics = (await t.app.fastify.inject({ method: 'GET', url: '/metrics' })).body;
    const count = (labels: string): number => {
      const line = metrics.split('\n').find((l) => l.startsWith(`switchyard_http_request_duration_seconds_count{${labels}}`));
      return line === undefined ? 0 : Number(line.split(' ').pop());
    };
    assert.ok(count('route="/v1/queues/:name/messages",method="POST",status="200"') >= 1, metrics);
    assert.ok(count('route="/v1/queues/:name/messages",method="POST",status="404"') >= 1, 'a route that fails is timed with its status');
    assert.ok(count('route="/v1/queues/:name",method="PUT",status="200"') >= 1);
    assert.ok(count('route="unmatched",method="GET",status="404"') >= 1, 'a request no route matches');
  });
});
