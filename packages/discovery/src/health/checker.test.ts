import { ManualClock } from '@switchyard/core';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Instance } from '../instance.js';
import { MemoryRegistry } from '../registry/memory.js';
import { HealthChecker, type CheckEvent, type HealthCheckerOptions } from './checker.js';
import type { Probe, ProbeResult } from './probe.js';

const addr = (port: number) => ({ host: '127.0.0.1', port });

/** A probe whose answers the test scripts per instance id; unscripted answers pass. */
function scripted() {
  const answers = new Map<string, (ProbeResult | Error | 'hang')[]>();
  const calls: string[] = [];
  const probe: Probe = (inst: Instance, signal) => {
    calls.push(inst.id);
    const next = answers.get(inst.id)?.shift() ?? { health: 'passing' };
    if (next === 'hang') return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  };
  return { probe, calls, script: (id: string, ...a: (ProbeResult | Error | 'hang')[]) => answers.set(id, a) };
}

async function setup(options: Partial<HealthCheckerOptions> = {}) {
  const clock = new ManualClock();
  const registry = new MemoryRegistry({ clock });
  await registry.register({ id: 'a', service: 'svc', address: addr(1) }, { ttlMs: 1e9 });
  const s = scripted();
  const checker = new HealthChecker({ registry, service: 'svc', probe: s.probe, intervalMs: 1000, timeoutMs: 500, clock, ...options });
  const events: CheckEvent[] = [];
  checker.onCheck((e) => events.push(e));
  const health = async (id = 'a') => (await registry.get('svc')).instances.find((i) => i.id === id)?.health;
  return { clock, registry, checker, events, health, ...s };
}

test('failures make an instance warning, then critical after the threshold; a pass restores it', async () => {
  const { clock, checker, health, script } = await setup();
  script('a', new Error('ECONNREFUSED'), new Error('ECONNREFUSED'), new Error('ECONNREFUSED'));
  await checker.start();
  await clock.advance(0);
  assert.equal(await health(), 'warning');
  await clock.advance(1000);
  assert.equal(await health(), 'warning');
  await clock.advance(1000);
  assert.equal(await health(), 'critical');
  await clock.advance(1000);
  assert.equal(await health(), 'passing');
  await checker.close();
});

test('a probe that answers warning sets warning at once; note is stored', async () => {
  const { clock, registry, checker, script } = await setup();
  script('a', { health: 'warning', note: 'HTTP 429' });
  await checker.start();
  await clock.advance(0);
  const [a] = (await registry.get('svc')).instances;
  assert.deepEqual([a?.health, a?.note], ['warning', 'HTTP 429']);
  await checker.close();
});

test('a probe that hangs fails at the timeout', async () => {
  const { clock, checker, events, script } = await setup({ failuresBeforeCritical: 1 });
  script('a', 'hang');
  await checker.start();
  await clock.advance(499);
  assert.equal(events.length, 0);
  await clock.advance(1);
  assert.equal(events.length, 1);
  assert.equal(events[0]!.health, 'critical');
  assert.equal(events[0]!.note, 'health check timed out after 500 ms');
  await checker.close();
});

test('a draining instance is not probed and its state is never overwritten', async () => {
  const { clock, registry, checker, calls, health } = await setup();
  await registry.setHealth('svc', 'a', 'draining');
  await checker.start();
  await clock.advance(5000);
  assert.deepEqual(calls, []);
  assert.equal(await health(), 'draining');
  await checker.close();
});

test('a drain that starts while a probe runs is not overwritten by its verdict', async () => {
  const { clock, registry, checker, health } = await setup({ failuresBeforeCritical: 1 });
  let release!: () => void;
  const slow: Probe = () => new Promise((r) => (release = () => r({ health: 'critical' })));
  const c = new HealthChecker({ registry, service: 'svc', probe: slow, intervalMs: 1000, timeoutMs: 500, clock });
  await checker.close();
  await c.start();
  await clock.advance(0);
  await registry.setHealth('svc', 'a', 'draining');
  release();
  await clock.advance(0);
  assert.equal(await health(), 'draining');
  await c.close();
});

test('instances that join are checked; ones that leave are not any more', async () => {
  const { clock, registry, checker, calls } = await setup();
  await checker.start();
  await clock.advance(0);
  const b = await registry.register({ id: 'b', service: 'svc', address: addr(2) }, { ttlMs: 1e9 });
  await clock.advance(0);
  assert.deepEqual(calls.sort(), ['a', 'b']);
  await b.revoke();
  calls.length = 0;
  await clock.advance(3000);
  assert.deepEqual([...new Set(calls)], ['a']);
  await checker.close();
  calls.length = 0;
  await clock.advance(3000);
  assert.deepEqual(calls, [], 'no checks after close');
});

test('options are checked at construction', () => {
  const registry = new MemoryRegistry();
  const probe: Probe = async () => ({ health: 'passing' });
  assert.throws(() => new HealthChecker({ registry, service: 'svc', probe, intervalMs: 1000, timeoutMs: 2000 }), {
    message: 'healthChecker.timeoutMs: must not exceed intervalMs (1000), got 2000',
  });
  assert.throws(() => new HealthChecker({ registry, service: 'svc', probe, failuresBeforeCritical: 0 }), {
    message: 'healthChecker.failuresBeforeCritical: must be an integer >= 1, got 0',
  });
  assert.throws(() => new HealthChecker({ registry, service: 'a/b', probe }), { code: 'INVALID_NAME' });
});
