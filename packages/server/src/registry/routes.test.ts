import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@switchyard/core';
import { Credentials } from '../auth/credentials.js';
import { testApp } from '../testing.js';

type Json = Record<string, unknown>;
type T = ReturnType<typeof testApp>;

async function call(t: T, method: string, url: string, body?: unknown, token?: string): Promise<{ status: number; json: Json }> {
  const res = await t.app.fastify.inject({
    method: method as 'GET',
    url,
    ...(body === undefined ? {} : { payload: body as object }),
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
  });
  return { status: res.statusCode, json: res.body ? (JSON.parse(res.body) as Json) : {} };
}

const code = (r: { json: Json }) => (r.json.error as { code: string } | undefined)?.code;
const message = (r: { json: Json }) => (r.json.error as { message: string } | undefined)?.message;
const addr = { host: '10.0.0.7', port: 8080 };
const ids = (r: { json: Json }) => (r.json.instances as { id: string }[]).map((i) => i.id);
const watching = async (t: T) => Number(/^switchyard_registry_watches_waiting (\d+)$/m.exec((await t.app.fastify.inject({ method: 'GET', url: '/metrics' })).body)?.[1]);

async function withApp(fn: (t: T, clock: ManualClock) => Promise<void>): Promise<void> {
  const clock = new ManualClock();
  const t = testApp(undefined, { clock });
  try {
    await fn(t, clock);
  } finally {
    await t.close();
  }
}

describe('registry routes', () => {
  it('register, read, list, set health (draining is sticky), deregister', () =>
    withApp(async (t) => {
      const reg = await call(t, 'PUT', '/v1/registry/services/orders/instances/a', { ttlMs: 10_000, address: addr, zone: 'eu-1', metadata: { build: '7' } });
      assert.equal(reg.status, 200);
      const lease = reg.json.lease as { id: string; ttlMs: number };
      assert.equal(lease.ttlMs, 10_000);
      await call(t, 'PUT', '/v1/registry/services/orders/instances/b', { ttlMs: 10_000, address: { ...addr, port: 8081 }, weight: 3 });
      const snap = await call(t, 'GET', '/v1/registry/services/orders');
      assert.deepEqual(ids(snap), ['a', 'b']);
      assert.ok((snap.json.index as number) > 0);
      const a = (await call(t, 'GET', '/v1/registry/services/orders/instances/a')).json;
      assert.deepEqual({ zone: a.zone, metadata: a.metadata, health: a.health, weight: a.weight }, { zone: 'eu-1', metadata: { build: '7' }, health: 'passing', weight: 1 });
      assert.deepEqual((await call(t, 'GET', '/v1/registry/services')).json, { services: [{ service: 'orders', index: snap.json.index, instances: 2 }] });

      assert.deepEqual((await call(t, 'PUT', '/v1/registry/services/orders/instances/a/health', { health: 'draining', note: 'deploy' })).json, { changed: true });
      assert.deepEqual((await call(t, 'PUT', '/v1/registry/services/orders/instances/a/health', { health: 'passing' })).json, { changed: false });
      assert.deepEqual((await call(t, 'PUT', '/v1/registry/services/orders/instances/a/health', { health: 'passing', force: true })).json, { changed: true });

      assert.deepEqual((await call(t, 'DELETE', '/v1/registry/services/orders/instances/b')).json, { deregistered: true });
      assert.deepEqual((await call(t, 'DELETE', '/v1/registry/services/orders/instances/b')).json, { deregistered: false });
      assert.deepEqual((await call(t, 'DELETE', `/v1/registry/services/orders/leases/${lease.id}`)).json, { ok: true });
      assert.deepEqual(ids(await call(t, 'GET', '/v1/registry/services/orders')), []);
      assert.deepEqual((await call(t, 'GET', '/v1/registry/services')).json, { services: [] });
    }));

  it('answers bad input with a 4xx and a stable code, and stores nothing', () =>
    withApp(async (t) => {
      const cases: [string, string, unknown, number, string, string?][] = [
        ['PUT', '/v1/registry/services/orders/instances/a%2Fb', { ttlMs: 1000, address: addr }, 400, 'INVALID_NAME', 'invalid instance id name "a/b": 1-128 characters of letters, digits and . _ : @ -, starting with a letter or digit'],
        ['PUT', '/v1/registry/services/orders/instances/a', { ttlMs: 0, address: addr }, 400, 'INVALID_ARGUMENT', 'register.ttlMs: must be a finite number > 0, got 0'],
        ['PUT', '/v1/registry/services/orders/instances/a', { ttlMs: 86_400_001, address: addr }, 400, 'INVALID_ARGUMENT', 'register.ttlMs: must be at most 86400000 (a day), got 86400001'],
        ['PUT', '/v1/registry/services/orders/instances/a', { ttlMs: 1000, address: { host: 'h', port: 0 } }, 400, 'INVALID_ARGUMENT', 'instance.address.port: must be an integer 1-65535, got 0'],
        ['PUT', '/v1/registry/services/orders/instances/a', { ttlMs: 1000, address: addr, id: 'other' }, 400, 'INVALID_ARGUMENT', 'request.id: is not a known field'],
        ['PUT', '/v1/registry/services/orders/instances/a/health', { health: 'fine' }, 400, 'INVALID_ARGUMENT', 'health: must be one of passing, warning, critical, draining, got "fine"'],
        ['PUT', '/v1/registry/services/orders/instances/nope/health', { health: 'critical' }, 404, 'INSTANCE_NOT_FOUND'],
        ['GET', '/v1/registry/services/orders/instances/nope', undefined, 404, 'INSTANCE_NOT_FOUND'],
        ['GET', '/v1/registry/services/orders?index=x&waitMs=10', undefined, 400, 'INVALID_ARGUMENT'],
        ['GET', '/v1/registry/services/orders?index=1&waitMs=60001', undefined, 400, 'INVALID_ARGUMENT', 'waitMs: must be an integer from 0 to 60000, got 60001'],
        ['GET', '/v1/registry/services/bad%20name', undefined, 400, 'INVALID_NAME'],
        ['POST', '/v1/registry/services/orders/leases/mem-999/renew', undefined, 409, 'LEASE_EXPIRED', 'lease mem-999 has expired or was revoked'],
      ];
      for (const [method, url, body, status, expected, text] of cases) {
        const r = await call(t, method, url, body);
        assert.equal(r.status, status, `${method} ${url}: ${JSON.stringify(r.json)}`);
        assert.equal(code(r), expected, `${method} ${url}`);
        if (text !== undefined) assert.equal(message(r), text, `${method} ${url}`);
      }
      assert.deepEqual((await call(t, 'GET', '/v1/registry/services')).json, { services: [] });
    }));

  it('expires a lease on the server clock with no client action; renew then answers LEASE_EXPIRED', () =>
    withApp(async (t, clock) => {
      const lease = (await call(t, 'PUT', '/v1/registry/services/pay/instances/a', { ttlMs: 1000, address: addr })).json.lease as { id: string };
      await clock.advance(600);
      assert.equal((await call(t, 'POST', `/v1/registry/services/pay/leases/${lease.id}/renew`)).status, 200);
      await clock.advance(600);
      assert.deepEqual(ids(await call(t, 'GET', '/v1/registry/services/pay')), ['a'], 'the renewal moved the expiry');
      await clock.advance(400);
      assert.deepEqual(ids(await call(t, 'GET', '/v1/registry/services/pay')), []);
      const renew = await call(t, 'POST', `/v1/registry/services/pay/leases/${lease.id}/renew`);
      assert.equal(renew.status, 409);
      assert.equal(message(renew), `lease ${lease.id} has expired or was revoked`);
    }));

  it('tells a replaced lease why it ended, and renews only within its own service', () =>
    withApp(async (t) => {
      const old = (await call(t, 'PUT', '/v1/registry/services/pay/instances/a', { ttlMs: 5000, address: addr })).json.lease as { id: string };
      await call(t, 'PUT', '/v1/registry/services/pay/instances/a', { ttlMs: 5000, address: { ...addr, port: 9000 } });
      const renew = await call(t, 'POST', `/v1/registry/services/pay/leases/${old.id}/renew`);
      assert.equal(code(renew), 'LEASE_EXPIRED');
      assert.match(message(renew)!, /a newer registration replaced it$/);
      const fresh = (await call(t, 'PUT', '/v1/registry/services/pay/instances/b', { ttlMs: 5000, address: addr })).json.lease as { id: string };
      assert.equal(code(await call(t, 'POST', `/v1/registry/services/other/leases/${fresh.id}/renew`)), 'LEASE_EXPIRED');
      await call(t, 'DELETE', `/v1/registry/services/other/leases/${fresh.id}`);
      assert.deepEqual(ids(await call(t, 'GET', '/v1/registry/services/pay')), ['a', 'b'], 'a revoke under another service name changes nothing');
    }));

  it('long polls: answer when the index moves, after waitMs on the server clock, or at shutdown', () =>
    withApp(async (t, clock) => {
      const first = await call(t, 'GET', '/v1/registry/services/watched');
      assert.deepEqual(first.json, { service: 'watched', index: 0, instances: [] });
      const moved = call(t, 'GET', '/v1/registry/services/watched?index=0&waitMs=30000');
      await new Promise((r) => setImmediate(r));
      assert.equal(await watching(t), 1, 'the poll waits');
      await call(t, 'PUT', '/v1/registry/services/watched/instances/a', { ttlMs: 60_000, address: addr });
      const got = await moved;
      assert.deepEqual(ids(got), ['a']);
      const index = got.json.index as number;

      assert.deepEqual(ids(await call(t, 'GET', `/v1/registry/services/watched?index=${index - 1}&waitMs=30000`)), ['a'], 'an index that is not the current one answers at once');

      const idle = call(t, 'GET', `/v1/registry/services/watched?index=${index}&waitMs=5000`);
      await new Promise((r) => setImmediate(r));
      await clock.advance(4999);
      assert.equal(await watching(t), 1, 'still waiting before waitMs');
      await clock.advance(1);
      assert.equal((await idle).json.index, index, 'unchanged after waitMs');
      assert.equal(await watching(t), 0);

      const held = call(t, 'GET', `/v1/registry/services/watched?index=${index}&waitMs=60000`);
      await new Promise((r) => setImmediate(r));
      const metrics = await t.app.fastify.inject({ method: 'GET', url: '/metrics' });
      assert.match(metrics.body, /switchyard_registry_watches_waiting 1/);
      assert.match(metrics.body, /switchyard_registry_instances\{service="watched",health="passing"\} 1/);
      t.app.beginShutdown();
      const ended = await held;
      assert.equal(ended.status, 200);
      assert.equal(ended.json.index, index);
    }));

  it('is in the OpenAPI document', () =>
    withApp(async (t) => {
      const doc = (await call(t, 'GET', '/v1/openapi.json')).json as { paths: Json; components: { schemas: Json } };
      for (const p of ['/v1/registry/services', '/v1/registry/services/{service}', '/v1/registry/services/{service}/instances/{id}', '/v1/registry/services/{service}/instances/{id}/health', '/v1/registry/services/{service}/leases/{lease}/renew', '/v1/registry/services/{service}/leases/{lease}']) {
        assert.ok(doc.paths[p], p);
      }
      assert.ok(doc.components.schemas.ServiceSnapshot);
    }));
});

describe('registry permissions', () => {
  const admin = { accessKeyId: 'ADMIN', secretAccessKey: 'admin-secret-0123456789' };
  const orders = { accessKeyId: 'ORDERS', secretAccessKey: 'orders-secret-0123456789' };
  const caller = { accessKeyId: 'CALLER', secretAccessKey: 'caller-secret-0123456789' };
  const token = (c: { accessKeyId: string; secretAccessKey: string }) => `${c.accessKeyId}:${c.secretAccessKey}`;

  it('register on the service pattern writes, discover reads, discover on * lists', async () => {
    const t = testApp(
      new Credentials([
        { ...admin, permissions: [{ actions: ['discover'], resources: ['*'] }] },
        { ...orders, permissions: [{ actions: ['register', 'discover'], resources: ['orders*'] }] },
        { ...caller, permissions: [{ actions: ['discover'], resources: ['orders'] }] },
      ]),
    );
    try {
      const body = { ttlMs: 10_000, address: addr };
      assert.equal(code(await call(t, 'PUT', '/v1/registry/services/orders/instances/a', body)), 'UNAUTHORIZED');
      const reg = await call(t, 'PUT', '/v1/registry/services/orders/instances/a', body, token(orders));
      assert.equal(reg.status, 200);
      assert.equal(code(await call(t, 'PUT', '/v1/registry/services/billing/instances/a', body, token(orders))), 'FORBIDDEN');
      assert.equal(code(await call(t, 'PUT', '/v1/registry/services/orders/instances/b', body, token(caller))), 'FORBIDDEN');
      const leaseId = (reg.json.lease as { id: string }).id;
      assert.equal(code(await call(t, 'POST', `/v1/registry/services/orders/leases/${leaseId}/renew`, undefined, token(caller))), 'FORBIDDEN');
      assert.equal(code(await call(t, 'PUT', '/v1/registry/services/orders/instances/a/health', { health: 'critical' }, token(caller))), 'FORBIDDEN');
      assert.deepEqual(ids(await call(t, 'GET', '/v1/registry/services/orders', undefined, token(caller))), ['a']);
      assert.equal(code(await call(t, 'GET', '/v1/registry/services', undefined, token(orders))), 'FORBIDDEN');
      assert.equal((await call(t, 'GET', '/v1/registry/services', undefined, token(admin))).status, 200);
    } finally {
      await t.close();
    }
  });
});
