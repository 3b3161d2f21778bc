import { ManualClock } from '@switchyard/core';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LeaseExpiredError } from '../errors.js';
import { MemoryRegistry } from './memory.js';
import { register, type RegistrationEvent } from './registration.js';
import type { Lease, Registry } from './registry.js';

const spec = { id: 'a', service: 'orders', address: { host: '127.0.0.1', port: 8001 } };

function setup() {
  const clock = new ManualClock();
  const registry = new MemoryRegistry({ clock });
  return { clock, registry };
}

test('heartbeats keep the instance listed across many TTLs', async () => {
  const { clock, registry } = setup();
  const reg = await register(registry, spec, { ttlMs: 3000, clock });
  for (let i = 0; i < 10; i++) await clock.advance(1000);
  assert.equal((await registry.get('orders')).instances.length, 1);
  await reg.deregister();
  assert.equal((await registry.get('orders')).instances.length, 0);
  assert.equal(reg.active, false);
  await clock.advance(10_000);
  assert.equal((await registry.get('orders')).instances.length, 0, 'no heartbeat brings it back');
});

test('a lost lease is taken again, with the health the instance last set', async () => {
  const { clock, registry } = setup();
  const wrapped = wrapLeases(registry);
  const reg = await register(wrapped.registry, spec, { ttlMs: 3000, heartbeatMs: 1000, clock });
  const events: RegistrationEvent[] = [];
  reg.on((e) => events.push(e));
  await reg.setHealth('warning', 'cache cold');
  const firstLease = reg.leaseId;
  wrapped.mode = 'lose'; // the registry loses the lease, as etcd does after a long partition
  await clock.advance(1000);
  const [inst] = (await registry.get('orders')).instances;
  assert.equal(inst?.health, 'warning');
  assert.notEqual(reg.leaseId, firstLease);
  assert.deepEqual(events, [{ type: 'reregistered', leaseId: reg.leaseId }]);
  await reg.deregister();
  assert.equal((await registry.get('orders')).instances.length, 0);
});

test('a registration replaced by another of the same id stops and says so', async () => {
  const { clock, registry } = setup();
  const reg = await register(registry, spec, { ttlMs: 3000, heartbeatMs: 1000, clock });
  const events: RegistrationEvent[] = [];
  reg.on((e) => events.push(e));
  await registry.register({ ...spec, address: { host: '127.0.0.1', port: 9001 } }, { ttlMs: 60_000 });
  await clock.advance(1000);
  assert.deepEqual(events, [{ type: 'replaced' }]);
  assert.equal(reg.active, false);
  await clock.advance(5000);
  assert.deepEqual((await registry.get('orders')).instances.map((i) => i.address.port), [9001], 'it did not fight back');
});

test('a failing registry is reported and retried at the next beat', async () => {
  const { clock, registry } = setup();
  const wrapped = wrapLeases(registry);
  const reg = await register(wrapped.registry, spec, { ttlMs: 3000, heartbeatMs: 1000, clock });
  const events: RegistrationEvent[] = [];
  reg.on((e) => events.push(e));
  wrapped.mode = 'down';
  await clock.advance(1000);
  assert.equal(events.length, 1);
  assert.equal(events[0]!.type, 'heartbeat-failed');
  wrapped.mode = 'ok';
  await clock.advance(1000);
  assert.equal(events.length, 1, 'the next beat worked');
  await clock.advance(5000);
  assert.equal((await registry.get('orders')).instances.length, 1);
  await reg.deregister();
});

test('drain marks the instance draining but keeps it listed; dispose deregisters', async () => {
  const { clock, registry } = setup();
  {
    await using reg = await register(registry, spec, { clock });
    await reg.drain();
    const [inst] = (await registry.get('orders')).instances;
    assert.equal(inst?.health, 'draining');
    assert.equal(inst?.note, 'draining for shutdown');
  }
  assert.equal((await registry.get('orders')).instances.length, 0);
});

test('options are checked when registering', async () => {
  const { registry } = setup();
  await assert.rejects(register(registry, spec, { ttlMs: -1 }), { message: 'registration.ttlMs: must be a finite number > 0, got -1' });
  await assert.rejects(register(registry, spec, { ttlMs: 1000, heartbeatMs: 1000 }), {
    message: 'registration.heartbeatMs: must be less than ttlMs (1000), got 1000',
  });
  assert.equal((await registry.get('orders')).instances.length, 0);
});

/**
 * A registry whose leases misbehave on demand: `down` fails renewals as an unreachable server
 * would; `lose` ends the lease in the registry and reports it expired, as etcd does after a
 * partition longer than the TTL.
 */
function wrapLeases(inner: Registry) {
  const state = { mode: 'ok' as 'ok' | 'down' | 'lose', registry: undefined as unknown as Registry };
  state.registry = {
    get: (s) => inner.get(s),
    watch: (s, l) => inner.watch(s, l),
    setHealth: (...a) => inner.setHealth(...a),
    close: () => inner.close(),
    register: async (...args) => {
      const lease = await inner.register(...args);
      const wrapped: Lease = {
        id: lease.id,
        ttlMs: lease.ttlMs,
        renew: async () => {
          if (state.mode === 'down') throw new Error('connect ECONNREFUSED');
          if (state.mode === 'lose') {
            state.mode = 'ok';
            await lease.revoke();
            throw new LeaseExpiredError(lease.id, 'expired');
          }
          await lease.renew();
        },
        revoke: () => lease.revoke(),
      };
      return wrapped;
    },
  };
  return state;
}
