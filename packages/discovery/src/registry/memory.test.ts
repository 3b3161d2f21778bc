import { ManualClock } from '@switchyard/core';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { registryContract } from '../testing/registry-contract.js';
import { MemoryRegistry } from './memory.js';

registryContract('MemoryRegistry', {
  make: async () => {
    const clock = new ManualClock();
    const registry = new MemoryRegistry({ clock });
    return { registry, ttlMs: 1000, advance: (ms) => clock.advance(ms), close: () => registry.close() };
  },
});

test('MemoryRegistry: expiry happens exactly at the TTL on the injected clock', async () => {
  const clock = new ManualClock();
  const registry = new MemoryRegistry({ clock });
  await registry.register({ id: 'a', service: 'svc', address: { host: 'h', port: 1 } }, { ttlMs: 1000 });
  await clock.advance(999);
  assert.equal((await registry.get('svc')).instances.length, 1);
  await clock.advance(1);
  assert.equal((await registry.get('svc')).instances.length, 0);
});

test('MemoryRegistry: a closed registry refuses calls with CLOSED', async () => {
  const registry = new MemoryRegistry({ clock: new ManualClock() });
  await registry.close();
  await assert.rejects(registry.get('svc'), { code: 'CLOSED', message: 'registry is closed' });
});

test('MemoryRegistry: firstIndex makes indexes start past another registry\'s', async () => {
  const registry = new MemoryRegistry({ clock: new ManualClock(), firstIndex: 5_000 });
  assert.equal((await registry.get('svc')).index, 0, 'an unknown service');
  await registry.register({ id: 'a', service: 'svc', address: { host: 'h', port: 1 } }, { ttlMs: 1000 });
  assert.equal((await registry.get('svc')).index, 5_001);
  assert.throws(() => new MemoryRegistry({ firstIndex: -1 }), { code: 'INVALID_ARGUMENT', message: 'memoryRegistry.firstIndex: must be an integer >= 0, got -1' });
  await registry.close();
});
