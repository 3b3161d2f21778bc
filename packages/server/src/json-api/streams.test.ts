import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { Credentials } from '../auth/credentials.js';
import type { ServerContext } from '../context.js';
import { testApp } from '../testing.js';
import { openApiDocument } from './openapi.js';
import { streamRoutes } from './streams.js';

let t: ReturnType<typeof testApp>;
before(() => {
  t = testApp();
});
after(() => t.close());

type Reply = { status: number; json: Record<string, unknown> };

async function call(method: string, url: string, body?: unknown, app = t, headers: Record<string, string> = {}): Promise<Reply> {
  const json = body === undefined ? {} : { payload: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } };
  const res = await app.app.fastify.inject({ method: method as 'GET', url, headers, ...json });
  return { status: res.statusCode, json: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {} };
}

const code = (r: Reply) => (r.json.error as { code: string } | undefined)?.code;
const ends = async (name: string, app = t) => (await app.broker.stream(name).offsets()).map((p) => p.end);

async function waitingPolls(app = t): Promise<number> {
  const text = (await app.app.fastify.inject({ method: 'GET', url: '/metrics' })).body;
  return Number(/^switchyard_long_polls_waiting (\d+)$/m.exec(text)?.[1]);
}

/** For the server noticing a closed socket: an event in the HTTP stack with nothing to await. */
async function eventually(what: string, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('JSON API: streams', () => {
  it('creates idempotently, appends each body kind, reads it back, and reports offsets, timestamps and stats', async () => {
    const created = await call('PUT', '/v1/streams/clicks', { partitions: 2, retention: { maxAgeMs: 60_000 } });
    assert.deepEqual([created.status, created.json.partitions, created.json.retention], [200, 2, { maxAgeMs: 60_000, maxBytes: null }]);
    assert.equal((await call('PUT', '/v1/streams/clicks', { partitions: 2, retention: { maxAgeMs: 60_000 } })).status, 200, 'idempotent');
    const appended = await call('POST', '/v1/streams/clicks/messages', {
      messages: [{ body: { n: 1 }, partition: 1, timestamp: 100 }, { bodyBase64: 'AAH/', partition: 1, timestamp: 200 }, { body: 'text', partition: 1, headers: { h: 'v' }, key: 'k' }],
    });
    assert.deepEqual((appended.json.results as { partition: number; offset: number }[]).map((r) => [r.partition, r.offset]), [[1, 0], [1, 1], [1, 2]]);
    const read = await call('POST', '/v1/streams/clicks/read', { from: [{ partition: 1, offset: 0 }], max: 10 });
    const records = read.json.records as Record<string, unknown>[];
    assert.deepEqual(records.map((r) => r.body ?? r.bodyBase64), [{ n: 1 }, 'AAH/', 'text']);
    assert.deepEqual([records[2]?.stream, records[2]?.offset, records[2]?.headers, records[2]?.key], ['clicks', 2, { h: 'v' }, 'k']);
    assert.deepEqual(await ends('clicks'), [0, 3]);
    assert.deepEqual((await call('GET', '/v1/streams/clicks/offset-for-timestamp?partition=1&timestamp=150')).json, { offset: 1 });
    assert.deepEqual((await call('GET', '/v1/streams/clicks/offset-for-timestamp?partition=0&timestamp=0')).json, { offset: null });
    assert.deepEqual((await call('POST', '/v1/streams/clicks/trim')).json, { removedByAge: 0, removedBySize: 0, removedUncommitted: 0 });
    assert.equal(((await call('GET', '/v1/streams/clicks/stats')).json.partitions as unknown[]).length, 2);
    assert.deepEqual(((await call('GET', '/v1/streams?prefix=cli')).json.streams as { name: string }[]).map((s) => s.name), ['clicks']);
    assert.deepEqual((await call('DELETE', '/v1/streams/clicks')).json, { deleted: true });
    assert.deepEqual((await call('DELETE', '/v1/streams/clicks')).json, { deleted: false });
  });

  it('runs a consumer group: join, heartbeat, an atomic commit with state and outputs, describe, leave', async () => {
    await call('PUT', '/v1/streams/in', { partitions: 2 });
    await call('PUT', '/v1/streams/out');
    await call('POST', '/v1/streams/in/messages', { messages: [{ body: 1, partition: 0 }] });
    const joined = (await call('POST', '/v1/streams/in/groups/g/join', { memberId: 'a', strategy: 'range', start: 'earliest' })).json;
    assert.deepEqual([joined.memberId, joined.partitions, joined.gained], ['a', [0, 1], [0, 1]]);
    const commit = await call('POST', '/v1/streams/in/groups/g/commit', {
      memberId: 'a',
      generation: joined.generation,
      offsets: [{ partition: 0, offset: 1 }],
      state: [{ partition: 0, key: 'sum', valueBase64: 'AQ==' }],
      appends: [{ stream: 'out', messages: [{ body: 'result' }] }],
    });
    assert.deepEqual([commit.status, commit.json], [200, { ok: true }]);
    assert.deepEqual((await call('GET', '/v1/streams/in/groups/g/state?partition=0')).json, { state: [{ key: 'sum', valueBase64: 'AQ==' }] });
    assert.deepEqual(((await call('GET', '/v1/streams/in/groups/g/offsets')).json.offsets as { partition: number; offset: number }[]).map((o) => [o.partition, o.offset]), [[0, 1]]);
    assert.deepEqual(await ends('out'), [1]);
    const beat = (await call('POST', '/v1/streams/in/groups/g/heartbeat', { memberId: 'a' })).json;
    assert.deepEqual([beat.gained, beat.lost], [[], []]);
    const described = (await call('GET', '/v1/streams/in/groups/g')).json.group as { members: { memberId: string }[] };
    assert.deepEqual(described.members.map((m) => m.memberId), ['a']);
    assert.deepEqual((await call('POST', '/v1/streams/in/groups/g/leave', { memberId: 'a' })).json, { left: true });
    assert.deepEqual((await call('GET', '/v1/streams/in/groups/none')).json, { group: null });
  });

  it('answers bad input with a 4xx and the typed code, and stores nothing', async () => {
    await call('PUT', '/v1/streams/b', { partitions: 2 });
    await call('POST', '/v1/streams/b/messages', { messages: [{ body: 'keep', partition: 0 }] });
    const owner = (await call('POST', '/v1/streams/b/groups/g/join', { memberId: 'owner', strategy: 'range' })).json;
    const committed = (await call('GET', '/v1/streams/b/groups/g/offsets')).json;
    const cases: [string, string, unknown, number, string][] = [
      ['GET', '/v1/streams/nope', undefined, 404, 'STREAM_NOT_FOUND'],
      ['POST', '/v1/streams/nope/messages', { messages: [{ body: 1 }] }, 404, 'STREAM_NOT_FOUND'],
      ['POST', '/v1/streams/nope/read', { from: [{ partition: 0, offset: 0 }], waitMs: 5_000 }, 404, 'STREAM_NOT_FOUND'],
      ['PUT', '/v1/streams/b', { partitions: 3 }, 409, 'STREAM_ALREADY_EXISTS'],
      ['PUT', '/v1/streams/b%20c', {}, 400, 'INVALID_NAME'],
      ['PUT', '/v1/streams/x', { partitions: 0 }, 400, 'INVALID_ARGUMENT'],
      ['PUT', '/v1/streams/x', { partitons: 2 }, 400, 'INVALID_ARGUMENT'],
      ['POST', '/v1/streams/b/messages', { messages: [{ body: 1, partition: 0 }, { body: 2, partition: 2 }] }, 400, 'PARTITION_OUT_OF_RANGE'],
      ['POST', '/v1/streams/b/messages', { messages: [{ body: 1, delayMs: 5 }] }, 400, 'INVALID_ARGUMENT'],
      ['POST', '/v1/streams/b/messages', { messages: [] }, 400, 'INVALID_ARGUMENT'],
      ['POST', '/v1/streams/b/read', { from: [{ partition: 0, offset: 2 }] }, 400, 'OFFSET_OUT_OF_RANGE'],
      ['POST', '/v1/streams/b/read', { from: [{ partition: 5, offset: 0 }] }, 400, 'PARTITION_OUT_OF_RANGE'],
      ['POST', '/v1/streams/b/read', { from: [] }, 400, 'INVALID_ARGUMENT'],
      ['POST', '/v1/streams/b/read', { from: [{ partition: 0, offset: 0.5 }] }, 400, 'INVALID_ARGUMENT'],
      ['POST', '/v1/streams/b/read', { from: [{ partition: 0, offset: 0 }], waitMs: 60_001 }, 400, 'INVALID_ARGUMENT'],
      ['POST', '/v1/streams/b/read', 'text', 400, 'INVALID_ARGUMENT'],
      ['GET', '/v1/streams/b/offset-for-timestamp?partition=0&timestamp=', undefined, 400, 'INVALID_ARGUMENT'],
      ['GET', '/v1/streams/b/offset-for-timestamp?partition=9&timestamp=0', undefined, 400, 'PARTITION_OUT_OF_RANGE'],
      ['POST', '/v1/streams/b/groups/a%20b/join', {}, 400, 'INVALID_NAME'],
      ['POST', '/v1/streams/b/groups/g/join', { strategy: 'random' }, 400, 'INVALID_ARGUMENT'],
      ['POST', '/v1/streams/b/groups/g/join', { sessionTimeoutMs: 10 }, 400, 'INVALID_ARGUMENT'],
      ['POST', '/v1/streams/b/groups/g/heartbeat', { memberId: 'stranger' }, 400, 'UNKNOWN_MEMBER'],
      ['POST', '/v1/streams/b/groups/g/heartbeat', {}, 400, 'INVALID_ARGUMENT'],
      ['POST', '/v1/streams/b/groups/g/commit', { memberId: 'stranger', generation: owner.generation, offsets: [{ partition: 0, offset: 1 }] }, 400, 'NOT_PARTITION_OWNER'],
      ['POST', '/v1/streams/b/groups/g/commit', { memberId: 'owner', generation: owner.generation, offsets: [{ partition: 0, offset: 2 }] }, 400, 'OFFSET_OUT_OF_RANGE'],
      ['POST', '/v1/streams/b/groups/g/commit', { memberId: 'owner', generation: owner.generation, offsets: [], state: [{ partition: 0, key: 'k', valueBase64: '!!' }] }, 400, 'INVALID_ARGUMENT'],
      ['POST', '/v1/streams/b/groups/g/commit', { memberId: 'owner', generation: owner.generation, offsets: [], appends: [{ stream: 'b', messages: [{ nobody: 1 }] }] }, 400, 'INVALID_ARGUMENT'],
      ['GET', '/v1/streams/b/groups/g/state?partition=x', undefined, 400, 'INVALID_ARGUMENT'],
    ];
    for (const [method, url, body, status, expected] of cases) {
      const r = await call(method, url, body);
      assert.deepEqual([r.status, code(r)], [status, expected], `${method} ${url} ${JSON.stringify(body)}: ${JSON.stringify(r.json)}`);
      assert.equal(typeof (r.json.error as { message?: unknown }).message, 'string');
    }
    assert.deepEqual(await ends('b'), [1, 0], 'a refused call appended');
    assert.deepEqual((await call('GET', '/v1/streams/b/groups/g/offsets')).json, committed, 'a refused commit stored offsets');
    assert.deepEqual((await call('GET', '/v1/streams/b/groups/g/state?partition=0')).json, { state: [] });
  });

  it('checks permissions: send to append, receive to read, and send on every stream a commit writes to', async () => {
    const credentials = new Credentials([
      { accessKeyId: 'ADMIN', secretAccessKey: 'admin-secret-123456789', permissions: [{ actions: ['send', 'receive', 'manage'], resources: ['*'] }] },
      { accessKeyId: 'READER', secretAccessKey: 'reader-secret-12345678', permissions: [{ actions: ['receive'], resources: ['*'] }] },
    ]);
    const secured = testApp(credentials);
    try {
      const as = (who: string) => ({ authorization: `Bearer ${who === 'ADMIN' ? 'ADMIN:admin-secret-123456789' : 'READER:reader-secret-12345678'}` });
      for (const name of ['src', 'dst']) assert.equal((await call('PUT', `/v1/streams/${name}`, {}, secured, as('ADMIN'))).status, 200);
      assert.equal(code(await call('PUT', '/v1/streams/other', {}, secured, as('READER'))), 'FORBIDDEN');
      assert.equal(code(await call('POST', '/v1/streams/src/messages', { messages: [{ body: 1 }] }, secured, as('READER'))), 'FORBIDDEN');
      assert.equal(code(await call('POST', '/v1/streams/src/read', { from: [{ partition: 0, offset: 0 }] }, secured)), 'UNAUTHORIZED');
      const m = (await call('POST', '/v1/streams/src/groups/g/join', { memberId: 'r' }, secured, as('READER'))).json;
      const commit = { memberId: 'r', generation: m.generation, offsets: [{ partition: 0, offset: 0 }], appends: [{ stream: 'dst', messages: [{ body: 'x' }] }] };
      assert.equal(code(await call('POST', '/v1/streams/src/groups/g/commit', commit, secured, as('READER'))), 'FORBIDDEN');
      assert.deepEqual(await ends('dst', secured), [0]);
      assert.deepEqual((await call('POST', '/v1/streams/src/groups/g/commit', { ...commit, appends: [] }, secured, as('READER'))).json, { ok: true });
    } finally {
      await secured.close();
    }
  });

  it('a waiting read is woken by an append, and ends on the server when its client goes away', async () => {
    await call('PUT', '/v1/streams/poll');
    const woken = call('POST', '/v1/streams/poll/read', { from: [{ partition: 0, offset: 0 }], waitMs: 60_000 });
    await eventually('the read waits', async () => (await waitingPolls()) === 1);
    await call('POST', '/v1/streams/poll/messages', { messages: [{ body: 'now' }] });
    assert.deepEqual(((await woken).json.records as { body: unknown }[]).map((r) => r.body), ['now']);

    const url = await t.app.fastify.listen({ host: '127.0.0.1', port: 0 });
    const client = new AbortController();
    const left = fetch(`${url}/v1/streams/poll/read`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: [{ partition: 0, offset: 1 }], waitMs: 60_000 }),
      signal: client.signal,
    }).catch((e: unknown) => e);
    await eventually('the read waits', async () => (await waitingPolls()) === 1);
    client.abort();
    assert.equal(((await left) as Error).name, 'AbortError');
    await eventually('the server stops waiting', async () => (await waitingPolls()) === 0);
  });

  it('a waiting read ends, empty, when the server begins to shut down', async () => {
    const own = testApp();
    try {
      await call('PUT', '/v1/streams/s', {}, own);
      const read = call('POST', '/v1/streams/s/read', { from: [{ partition: 0, offset: 0 }], waitMs: 60_000 }, own);
      await eventually('the read waits', async () => (await waitingPolls(own)) === 1);
      own.app.beginShutdown();
      assert.deepEqual(await read, { status: 200, json: { records: [] } });
    } finally {
      await own.close();
    }
  });

  it('documents every stream route in the OpenAPI document, and nothing else under /v1/streams', async () => {
    const routed: string[] = [];
    const app = Fastify();
    app.addHook('onRoute', (r) => {
      for (const method of [r.method].flat()) if (method !== 'HEAD') routed.push(`${method} ${r.url}`);
    });
    streamRoutes(app, {} as ServerContext); // registers only: no handler runs
    await app.ready();
    const documented = Object.entries(openApiDocument.paths)
      .filter(([path]) => path.startsWith('/v1/streams'))
      .flatMap(([path, item]) => Object.keys(item).filter((k) => k !== 'parameters').map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`));
    assert.equal(routed.length, 17);
    assert.deepEqual(documented.sort(), routed.sort());
    const refs = [...JSON.stringify(openApiDocument).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1] as string);
    assert.ok(refs.length > 20, 'the $refs were found');
    assert.deepEqual(refs.filter((r) => !(r in openApiDocument.components.schemas)), [], 'every $ref resolves');
    await app.close();
  });
});
