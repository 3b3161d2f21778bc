/**
 * A client over two real service instances (child processes). One is SIGKILLed and restarted on
 * the same port: every call keeps succeeding through the other, the dead one is ejected, and
 * once it is back it is readmitted (probation, then a successful probe) and takes calls again.
 *
 * Time is real here (the instances are real processes), so ejections are short; the test never
 * sleeps: it keeps calling until what it waits for has happened, bounded in calls and time.
 */
import type { ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpClient, MemoryRegistry, type OutlierEvent } from '@switchyard/discovery';
import { kill9 } from '../support/spawn-ts.js';
import { freePort, startEcho } from './instances.js';

test('calls survive an instance being SIGKILLed; it is ejected, and readmitted once restarted', { timeout: 90_000 }, async (t) => {
  const [portA, portB] = [await freePort(), await freePort()];
  const children: ChildProcess[] = [];
  const registry = new MemoryRegistry();
  const client = new HttpClient({
    registry,
    attemptTimeoutMs: 2000,
    retry: { maxAttempts: 3 },
    outlier: { baseEjectionMs: 200, maxEjectionMs: 800, maxEjectedShare: 0.5 },
  });
  try {
    const [a, b] = await Promise.all([startEcho(portA, 'a'), startEcho(portB, 'b')]);
    children.push(a, b);
    await registry.register({ id: 'a', service: 'echo', address: { host: '127.0.0.1', port: portA } }, { ttlMs: 1e9 });
    await registry.register({ id: 'b', service: 'echo', address: { host: '127.0.0.1', port: portB } }, { ttlMs: 1e9 });
    const pool = await client.pool('echo');
    const events: OutlierEvent[] = [];
    pool.outlier!.onChange((e) => events.push(e));

    let calls = 0;
    const call = async () => {
      calls++;
      const res = await client.request('echo', { path: `/work/${calls}` });
      assert.equal(res.status, 200);
      return ((await res.body.json()) as { id: string; pid: number });
    };

    const warm = new Set<string>();
    for (let i = 0; i < 10; i++) warm.add((await call()).id);
    assert.deepEqual([...warm].sort(), ['a', 'b'], 'both instances serve before the crash');

    await kill9(a);
    const firstPid = a.pid;
    // Keep calling while the crashed instance is down: each call must succeed (through b).
    const until = (cond: () => boolean, what: string, maxMs: number) => async () => {
      const deadline = Date.now() + maxMs;
      while (!cond()) {
        if (Date.now() > deadline) throw new Error(`${what} did not happen in ${maxMs} ms (${calls} calls; events ${JSON.stringify(events)})`);
        const r = await call();
        if (r.id === 'a') assert.notEqual(r.pid, firstPid, 'no answer from the killed process');
      }
    };
    await until(() => events.some((e) => e.id === 'a' && e.to === 'ejected'), 'ejection of a', 10_000)();
    for (let i = 0; i < 50; i++) assert.equal((await call()).id, 'b', 'while a is down, b answers');

    // Restart on the same address, calling all the while.
    const restarted = startEcho(portA, 'a');
    let servedByA = false;
    await Promise.all([
      restarted.then((c) => void children.push(c)),
      (async () => {
        const deadline = Date.now() + 30_000;
        while (!servedByA) {
          if (Date.now() > deadline) throw new Error(`a was not readmitted in 30 s (events ${JSON.stringify(events)})`);
          const r = await call();
          if (r.id === 'a') {
            assert.notEqual(r.pid, firstPid);
            servedByA = true;
          }
          // Yield to the event loop so the restart's I/O is not starved by the loop of calls.
          await new Promise((r) => setImmediate(r));
        }
      })(),
    ]);
    const forA = events.filter((e) => e.id === 'a');
    assert.equal(forA[0]!.to, 'ejected');
    assert.deepEqual(forA.at(-1), { ...forA.at(-1)!, from: 'probation', to: 'admitted', reason: 'probe-succeeded' });
    assert.ok(forA.filter((e) => e.to === 'ejected').length >= 1);
    // Back in rotation: both answer again.
    const after = new Set<string>();
    for (let i = 0; i < 10; i++) after.add((await call()).id);
    assert.deepEqual([...after].sort(), ['a', 'b']);
    assert.ok(calls > 70, `${calls} calls made, every one answered`);
    t.diagnostic(`${calls} calls, all answered; a: ${forA.map((e) => `${e.to}(${e.reason})`).join(' → ')}`);
  } finally {
    await client.close();
    await Promise.all(children.map((c) => kill9(c)));
  }
});
