import { ManualClock, isSwitchyardError } from '@switchyard/core';
import { TimeoutError, constantBackoff, type RetryEvent } from '@switchyard/resilience';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { HttpStatusError } from '../errors.js';
import { MemoryRegistry } from '../registry/memory.js';
import { closedPort, hang, startServer, status, until, type TestServer } from '../testing/http-servers.js';
import { HttpClient, type HttpClientOptions, type HttpRequest } from './http.js';

const servers: TestServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

let seq = 0;
/** A registry with the given servers (or bare ports) registered as one service. */
async function setup(members: (TestServer | number)[], options: Partial<HttpClientOptions> = {}) {
  const service = `svc-${++seq}`;
  const registry = new MemoryRegistry();
  for (const [i, m] of members.entries()) {
    const port = typeof m === 'number' ? m : m.port;
    const id = typeof m === 'number' ? `dead-${i}` : m.id;
    await registry.register({ id, service, address: { host: '127.0.0.1', port } }, { ttlMs: 1e9 });
  }
  const client = new HttpClient({ registry, retry: { backoff: constantBackoff(0) }, ...options });
  const retries: RetryEvent[] = [];
  client.onRetry((e) => retries.push(e));
  const get = async (extra: Partial<HttpRequest> = {}) => {
    const res = await client.request(service, { path: '/x', ...extra });
    const body = (await res.body.json()) as { id: string };
    return { status: res.status, id: body.id, from: res.instance.id };
  };
  return { service, registry, client, get, retries };
}

async function server(id: string) {
  const s = await startServer(id);
  servers.push(s);
  return s;
}

test('calls a service by name, round robin over its instances', async () => {
  const [a, b] = [await server('a'), await server('b')];
  const { client, get } = await setup([a, b]);
  const ids = [];
  for (let i = 0; i < 4; i++) ids.push((await get()).id);
  assert.deepEqual(ids.sort(), ['a', 'a', 'b', 'b']);
  await client.close();
});

test('a 503 is retried on the other instance; the caller sees the success', async () => {
  const [a, b] = [await server('a'), await server('b')];
  const { client, get, retries } = await setup([a, b]);
  a.queue(status(503)); // round robin starts at the first instance by id
  const r = await get();
  assert.equal(r.status, 200);
  assert.equal(retries.length, 1);
  assert.ok(retries[0]!.error instanceof HttpStatusError && retries[0]!.error.status === 503);
  assert.notEqual(r.from, (retries[0]!.error as HttpStatusError).instanceId, 'the retry went to the other instance');
  await client.close();
});

test('a POST is not retried after a 503 (it may have been processed) and rejects with HTTP_STATUS', async () => {
  const a = await server('a');
  const { client, service } = await setup([a]);
  a.queue(status(503));
  await assert.rejects(client.request(service, { method: 'POST', path: '/orders', body: '{}' }), (e: unknown) => isSwitchyardError(e, 'HTTP_STATUS') && (e as HttpStatusError).status === 503);
  assert.deepEqual(a.seen, ['POST /orders']);
  await client.close();
});

test('a POST is retried when the connection was refused: it never reached a server', async () => {
  const a = await server('a');
  const { client, service } = await setup([await closedPort(), a]);
  for (let i = 0; i < 4; i++) {
    const res = await client.request(service, { method: 'POST', path: '/orders', body: '{}' });
    assert.equal(res.status, 200);
    await res.body.dump();
  }
  await client.close();
});

test('Retry-After stretches the wait before the next attempt', async () => {
  const clock = new ManualClock();
  const a = await server('a');
  const { client, get, retries } = await setup([a], { clock });
  a.queue(status(503, { 'retry-after': '2' }));
  const call = get();
  await until(() => retries.length > 0, 'the first retry');
  assert.equal(retries[0]!.delayMs, 2000);
  await clock.advance(1999);
  assert.equal(a.seen.length, 1, 'not before the server asked');
  await clock.advance(1);
  assert.equal((await call).status, 200);
  assert.equal(a.seen.length, 2);
  await client.close();
});

test('a Retry-After beyond maxRetryAfterMs gives up at once with the status', async () => {
  const a = await server('a');
  const { client, get } = await setup([a], { retry: { maxRetryAfterMs: 1000 } });
  a.queue(status(429, { 'retry-after': '120' }));
  await assert.rejects(get(), (e: unknown) => e instanceof HttpStatusError && e.status === 429 && e.retryAfterMs === 120_000);
  await client.close();
});

test('attempts stop at maxAttempts, the first one counted', async () => {
  const a = await server('a');
  const { client, get, retries } = await setup([a], { retry: { maxAttempts: 3, backoff: constantBackoff(0) } });
  a.queue(status(503), status(503), status(503), status(503));
  await assert.rejects(get(), (e: unknown) => e instanceof HttpStatusError && e.status === 503);
  assert.equal(a.seen.length, 3);
  assert.deepEqual(retries.map((r) => r.attempt), [1, 2]);
  await client.close();
});

test('with a time budget, a retry that would end past it is not made', async () => {
  const clock = new ManualClock();
  const a = await server('a');
  const { client, get, retries } = await setup([a], { clock, retry: { budgetMs: 1000 } });
  a.queue(status(503, { 'retry-after': '1' }), status(503, { 'retry-after': '2' }));
  const call = assert.rejects(get(), (e: unknown) => e instanceof HttpStatusError && e.retryAfterMs === 2000);
  await until(() => retries.length > 0, 'the first retry');
  await clock.advance(1000);
  await call;
  assert.equal(a.seen.length, 2, 'the 1 s wait fit the budget; the 2 s one did not');
  await client.close();
});

test('each attempt has a deadline; a hung instance times out with TIMEOUT', async () => {
  const clock = new ManualClock();
  const a = await server('a');
  const { client, get } = await setup([a], { clock, attemptTimeoutMs: 500, retry: false });
  a.queue(hang);
  const call = assert.rejects(get(), (e: unknown) => e instanceof TimeoutError && e.timeoutMs === 500);
  await until(() => a.seen.length > 0, 'the request to reach the server');
  await clock.advance(499);
  assert.equal(await Promise.race([call.then(() => 'settled'), new Promise((r) => setImmediate(() => r('pending')))]), 'pending');
  await clock.advance(1);
  await call;
  await client.close();
});

test('other statuses are answers: a 500 resolves, but counts against the instance until it is ejected', async () => {
  const [a, b] = [await server('a'), await server('b')];
  const { client, get, service } = await setup([a, b], { outlier: { maxEjectedShare: 0.5 } });
  for (let i = 0; i < 5; i++) a.queue(status(500));
  const statuses: number[] = [];
  for (let i = 0; i < 10; i++) {
    const res = await client.request(service, { path: '/x' });
    statuses.push(res.status);
    await res.body.dump();
  }
  assert.equal(statuses.filter((s) => s === 500).length, 5);
  const pool = await client.pool(service);
  assert.equal(pool.outlier?.stateOf('a'), 'ejected');
  const after = await Promise.all([get(), get(), get()]);
  assert.deepEqual(after.map((r) => r.id), ['b', 'b', 'b']);
  await client.close();
});

test('a caller abort rejects with its reason and does not count against the instance', async () => {
  const a = await server('a');
  const { client, service } = await setup([a], { outlier: { maxEjectedShare: 1 } });
  for (let i = 0; i < 6; i++) {
    a.queue(hang);
    const ac = new AbortController();
    const call = client.request(service, { path: '/x', signal: ac.signal });
    await until(() => a.seen.length > i, 'the request to reach the server');
    ac.abort(new Error('user left'));
    await assert.rejects(call, { message: 'user left' });
  }
  assert.equal((await client.pool(service)).outlier?.stateOf('a'), 'admitted');
  await client.close();
});

test('an unknown service rejects with NO_HEALTHY_INSTANCE, not retried', async () => {
  const { client, retries } = await setup([]);
  await assert.rejects(client.request('nobody-home', { path: '/' }), { code: 'NO_HEALTHY_INSTANCE', message: 'service "nobody-home" has no registered instance' });
  assert.equal(retries.length, 0);
  await client.close();
});

test('options are checked at construction', () => {
  const registry = new MemoryRegistry();
  assert.throws(() => new HttpClient({ registry, retryOn: [700] }), { message: 'httpClient.retryOn: must hold HTTP statuses (100-599), got 700' });
  assert.throws(() => new HttpClient({ registry, attemptTimeoutMs: 0 }), { message: 'client.attemptTimeoutMs: must be a finite number > 0, got 0' });
  assert.throws(() => new HttpClient({ registry, retry: { maxAttempts: 0 } }), { message: 'client.retry.maxAttempts: must be an integer >= 1, got 0' });
  assert.throws(() => new HttpClient({ registry, scheme: 'ftp' as 'http' }), { message: 'httpClient.scheme: must be "http" or "https", got ftp' });
});
