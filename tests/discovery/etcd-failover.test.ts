/**
 * Liveness through etcd leases, with real processes: two instances register themselves on etcd
 * and keep their 1 s leases alive; one is SIGKILLed. Calls keep succeeding through the other,
 * the dead one's lease expires and the client's pool drops it (watch), and when it is restarted
 * it registers again and takes calls. Skipped, with the reason, when etcd is not installed.
 */
import type { ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EtcdRegistry, HttpClient, type PoolEvent } from '@switchyard/discovery';
import { etcdAvailable, etcdSkipReason, startEtcd, type EtcdServer } from '../support/etcd.js';
import { kill9 } from '../support/spawn-ts.js';
import { freePort, startEcho } from './instances.js';

let etcd: EtcdServer | undefined;
before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  await etcd?.stop();
});

test('a SIGKILLed instance leaves the registry when its lease expires, and comes back when restarted', { skip: etcdAvailable() ? false : etcdSkipReason, timeout: 90_000 }, async (t) => {
  const service = `echo-${process.pid}`;
  const on = { endpoint: etcd!.endpoint, service };
  const children: ChildProcess[] = [];
  const registry = new EtcdRegistry({ hosts: etcd!.endpoint, prefix: 'switchyard-test/' });
  const client = new HttpClient({ registry, attemptTimeoutMs: 2000, outlier: { baseEjectionMs: 200, maxEjectionMs: 800 } });
  try {
    const [portA, portB] = [await freePort(), await freePort()];
    const [a, b] = await Promise.all([startEcho(portA, 'a', on), startEcho(portB, 'b', on)]);
    children.push(a, b);
    const pool = await client.pool(service);
    const events: PoolEvent[] = [];
    pool.on((e) => events.push(e));
    let calls = 0;
    const call = async () => {
      calls++;
      const res = await client.request(service, { path: '/' });
      assert.equal(res.status, 200);
      return (await res.body.json()) as { id: string; pid: number };
    };
    let lastId = '';
    const keepCalling = async (done: () => boolean, what: string, maxMs: number) => {
      const deadline = Date.now() + maxMs;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`${what} did not happen in ${maxMs} ms (${calls} calls)`);
        lastId = (await call()).id;
        // Yield so the watch and lease traffic are not starved by the loop of calls.
        await new Promise((r) => setImmediate(r));
      }
    };
    assert.deepEqual(pool.endpoints.map((e) => e.id), ['a', 'b']);

    await kill9(a);
    await keepCalling(() => events.some((e) => e.type === 'removed' && e.endpoint.id === 'a'), 'the lease of a expiring', 15_000);
    assert.deepEqual(pool.endpoints.map((e) => e.id), ['b']);

    children.push(await startEcho(portA, 'a', on));
    await keepCalling(() => lastId === 'a', 'a serving again', 15_000);
    assert.deepEqual(events.map((e) => `${e.type}:${e.endpoint.id}`), ['removed:a', 'added:a']);
    t.diagnostic(`${calls} calls, all answered; pool events: ${events.map((e) => `${e.type}:${e.endpoint.id}`).join(', ')}`);
  } finally {
    await client.close();
    await registry.close();
    await Promise.all(children.map((c) => kill9(c)));
  }
});
