/**
 * The registry contract through RemoteRegistry against a real `switchyard server --test-clock`
 * process: leases expire on the server's clock, which the harness moves. One server for the
 * file; each case makes its own client (unique service names keep the cases apart). Then what
 * only a remote registry can go through: a server restart under a Registration and a watch.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { HttpClient, RemoteRegistry, register, type ServiceSnapshot } from '@switchyard/discovery';
import { registryContract } from '../../packages/discovery/src/testing/registry-contract.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ args: ['--test-clock'] });
});
after(async () => {
  await server.stop();
  server.cleanup();
});

/** Moves the server's test clock (every registry call before it has been answered already). */
async function advance(ms: number): Promise<void> {
  const res = await request(`${server.url}/v1/_test/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ms }) });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`advance answered ${res.statusCode}: ${text}`);
}

registryContract('RemoteRegistry', {
  make: async () => {
    const registry = new RemoteRegistry({ url: server.url, watchRetryMs: 50 });
    return { registry, ttlMs: 1000, advance, close: () => registry.close() };
  },
});

test('RemoteRegistry: an HttpClient resolves through the server and follows a drain', async () => {
  const echo = createServer((req, res) => res.end(JSON.stringify({ port: (req.socket.address() as AddressInfo).port })));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const port = (echo.address() as AddressInfo).port;
  const registry = new RemoteRegistry({ url: server.url });
  const client = new HttpClient({ registry, retry: false });
  try {
    const me = await register(registry, { id: 'e1', service: 'echo-remote', address: { host: '127.0.0.1', port } }, { ttlMs: 60_000 });
    const res = await client.request('echo-remote', { path: '/' });
    assert.deepEqual(await res.body.json(), { port });
    const pool = await client.pool('echo-remote');
    const drained = new Promise<void>((resolve) => pool.on((e) => e.type === 'updated' && e.endpoint.instance.health === 'draining' && resolve()));
    await me.drain();
    await drained;
    await assert.rejects(client.request('echo-remote', { path: '/' }), { code: 'NO_HEALTHY_INSTANCE' });
    await me.deregister();
  } finally {
    await client.close();
    await registry.close();
    await new Promise((resolve) => echo.close(resolve));
  }
});

test('RemoteRegistry: after a server restart, a Registration registers again and a watch follows', { timeout: 60_000 }, async () => {
  const first = await startServerProcess();
  let second: ServerProcess | undefined;
  // Both the instance and the caller talk to the server through one URL; the port is reused.
  const port = new URL(first.url).port;
  // The watch retries slowly, so the instance is back before the watch polls the new server:
  // the new server's indexes must not be mistaken for the old ones (the same count of changes).
  const registry = new RemoteRegistry({ url: first.url, watchRetryMs: 1500, watchWaitMs: 1000 });
  try {
    const me = await register(registry, { id: 'a', service: 'restarted', address: { host: '127.0.0.1', port: 7001 } }, { ttlMs: 3000, heartbeatMs: 100 });
    const seen: ServiceSnapshot[] = [];
    let changed: (() => void) | undefined;
    const watch = await registry.watch('restarted', (s) => {
      seen.push(s);
      changed?.();
    });
    const until = (ok: (s: ServiceSnapshot) => boolean, what: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${what}: seen ${JSON.stringify(seen.map((s) => [s.index, s.instances.length]))}`)), 20_000);
        const check = () => {
          if (seen.some(ok)) {
            clearTimeout(timer);
            changed = undefined;
            resolve();
          }
        };
        changed = check;
        check();
      });
    await until((s) => s.instances.length === 1, 'listed on the first server');
    const reregistered = new Promise<void>((resolve) => me.on((e) => e.type === 'reregistered' && resolve()));

    await first.stop();
    second = await startServerProcess({ args: ['--port', port] });
    assert.equal(second.url, first.url);
    await reregistered;
    const before = seen.length;
    assert.deepEqual((await registry.get('restarted')).instances.map((i) => i.id), ['a']);
    await until((s) => seen.indexOf(s) >= before && s.instances.length === 1, 'listed again, seen by the watch');
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.index > seen[i - 1]!.index, `the watch's index grows at ${i}`);
    await watch.close();
    await me.deregister();
    assert.deepEqual((await registry.get('restarted')).instances, []);
  } finally {
    await registry.close();
    await first.stop();
    first.cleanup();
    await second?.stop();
    second?.cleanup();
  }
});
