/**
 * The registry contract as node:test cases; every Registry implementation runs it. A harness
 * makes a fresh registry per test and says how time passes: `advance` moves a ManualClock, or
 * (etcd) lets real time go by, since leases there run on the server's clock.
 */
import { isSwitchyardError } from '@switchyard/core';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceSnapshot } from '../instance.js';
import type { Registry } from '../registry/registry.js';

export interface RegistryHarness {
  registry: Registry;
  /** Lets `ms` of lease time pass. */
  advance(ms: number): Promise<void>;
  /** The shortest TTL the registry honours exactly (etcd: whole seconds). */
  ttlMs: number;
  close(): Promise<void>;
}

export interface ContractOptions {
  /** Makes a harness; each test gets its own (unique service names keep tests apart anyway). */
  make: () => Promise<RegistryHarness>;
  /** A reason to skip every case (say, the server binary is missing). */
  skip?: string;
}

let seq = 0;
const unique = (name: string) => `${name}-${process.pid}-${++seq}`;
const addr = (port: number) => ({ host: '127.0.0.1', port });

/** Collects watch snapshots; `until` resolves at the first snapshot that satisfies `ok`. */
function recorder() {
  const seen: ServiceSnapshot[] = [];
  let waiter: { ok: (s: ServiceSnapshot) => boolean; resolve: (s: ServiceSnapshot) => void } | undefined;
  return {
    seen,
    listener: (s: ServiceSnapshot) => {
      seen.push(s);
      if (waiter?.ok(s)) {
        waiter.resolve(s);
        waiter = undefined;
      }
    },
    until(ok: (s: ServiceSnapshot) => boolean, what: string, ms = 10_000): Promise<ServiceSnapshot> {
      const hit = seen.find(ok);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no snapshot where ${what} within ${ms} ms`)), ms);
        waiter = { ok, resolve: (s) => (clearTimeout(timer), resolve(s)) };
      });
    },
  };
}

export function registryContract(name: string, options: ContractOptions): void {
  const t = (title: string, fn: (h: RegistryHarness) => Promise<void>) =>
    void test(`${name}: ${title}`, { skip: options.skip ?? false }, async () => {
      const h = await options.make();
      try {
        await fn(h);
      } finally {
        await h.close();
      }
    });

  t('register lists the instance with its defaults', async ({ registry, ttlMs }) => {
    const service = unique('orders');
    const before = await registry.get(service);
    assert.deepEqual(before.instances, []);
    await registry.register({ id: 'a', service, address: addr(8001), metadata: { build: '7' }, zone: 'z1', version: '1.2.0' }, { ttlMs: ttlMs * 5 });
    const snap = await registry.get(service);
    assert.ok(snap.index > before.index, 'the index grew');
    assert.equal(snap.instances.length, 1);
    const [a] = snap.instances;
    assert.deepEqual(
      { id: a!.id, service: a!.service, address: a!.address, metadata: a!.metadata, zone: a!.zone, version: a!.version, weight: a!.weight, health: a!.health },
      { id: 'a', service, address: addr(8001), metadata: { build: '7' }, zone: 'z1', version: '1.2.0', weight: 1, health: 'passing' },
    );
  });

  t('bad specs are refused before anything is stored', async ({ registry, ttlMs }) => {
    const service = unique('bad');
    await assert.rejects(registry.register({ id: 'a/b', service, address: addr(1) }, { ttlMs }), {
      code: 'INVALID_NAME',
      message: 'invalid instance id name "a/b": 1-128 characters of letters, digits and . _ : @ -, starting with a letter or digit',
    });
    await assert.rejects(registry.register({ id: 'a', service, address: addr(70000) }, { ttlMs }), {
      code: 'INVALID_ARGUMENT',
      message: 'instance.address.port: must be an integer 1-65535, got 70000',
    });
    await assert.rejects(registry.register({ id: 'a', service, address: addr(1) }, { ttlMs: 0 }), {
      message: 'register.ttlMs: must be a finite number > 0, got 0',
    });
    assert.deepEqual((await registry.get(service)).instances, []);
  });

  t('a watch sees the current state, then every change with a growing index', async ({ registry, ttlMs }) => {
    const service = unique('watched');
    const rec = recorder();
    const watch = await registry.watch(service, rec.listener);
    assert.equal(rec.seen.length, 1, 'the first snapshot arrives before watch() resolves');
    const a = await registry.register({ id: 'a', service, address: addr(8001) }, { ttlMs: ttlMs * 5 });
    await registry.register({ id: 'b', service, address: addr(8002) }, { ttlMs: ttlMs * 5 });
    await registry.setHealth(service, 'b', 'critical', { note: 'check failed' });
    await a.revoke();
    const last = await rec.until((s) => s.instances.length === 1 && s.instances[0]!.health === 'critical', 'only b, critical, is left');
    assert.equal(last.instances[0]!.id, 'b');
    assert.equal(last.instances[0]!.note, 'check failed');
    for (let i = 1; i < rec.seen.length; i++) assert.ok(rec.seen[i]!.index > rec.seen[i - 1]!.index, `index grows at ${i}`);
    assert.deepEqual((await registry.get(service)).instances, last.instances);
    await watch.close();
    const count = rec.seen.length;
    await registry.register({ id: 'c', service, address: addr(8003) }, { ttlMs: ttlMs * 5 });
    await registry.get(service);
    assert.equal(rec.seen.length, count, 'no snapshot after close');
  });

  t('setHealth reports changes, keeps draining sticky unless forced, and knows missing instances', async ({ registry, ttlMs }) => {
    const service = unique('health');
    await registry.register({ id: 'a', service, address: addr(8001) }, { ttlMs: ttlMs * 5 });
    assert.equal(await registry.setHealth(service, 'a', 'warning'), true);
    assert.equal(await registry.setHealth(service, 'a', 'warning'), false, 'no change, no write');
    assert.equal(await registry.setHealth(service, 'a', 'draining'), true);
    assert.equal(await registry.setHealth(service, 'a', 'passing'), false, 'a check cannot undo a drain');
    assert.equal((await registry.get(service)).instances[0]!.health, 'draining');
    assert.equal(await registry.setHealth(service, 'a', 'passing', { force: true }), true);
    assert.equal((await registry.get(service)).instances[0]!.health, 'passing');
    await assert.rejects(registry.setHealth(service, 'nope', 'critical'), (e: unknown) => isSwitchyardError(e, 'INSTANCE_NOT_FOUND'));
  });

  t('revoke removes at once; renewing afterwards fails with LEASE_EXPIRED', async ({ registry, ttlMs }) => {
    const service = unique('revoke');
    const lease = await registry.register({ id: 'a', service, address: addr(8001) }, { ttlMs: ttlMs * 5 });
    await lease.renew();
    await lease.revoke();
    await lease.revoke(); // harmless twice
    assert.deepEqual((await registry.get(service)).instances, []);
    await assert.rejects(lease.renew(), (e: unknown) => isSwitchyardError(e, 'LEASE_EXPIRED') && (e as { reason?: string }).reason === 'expired');
  });

  t('registering the same id replaces the entry; the old lease learns it was replaced', async ({ registry, ttlMs }) => {
    const service = unique('replace');
    const old = await registry.register({ id: 'a', service, address: addr(8001) }, { ttlMs: ttlMs * 5 });
    const fresh = await registry.register({ id: 'a', service, address: addr(9001) }, { ttlMs: ttlMs * 5 });
    const snap = await registry.get(service);
    assert.deepEqual(snap.instances.map((i) => i.address.port), [9001]);
    await assert.rejects(old.renew(), (e: unknown) => isSwitchyardError(e, 'LEASE_EXPIRED') && (e as { reason?: string }).reason === 'replaced');
    await fresh.renew();
    assert.deepEqual((await registry.get(service)).instances.map((i) => i.address.port), [9001], 'the old lease ending left the new entry');
  });

  t('renewals keep an instance listed past its TTL', async ({ registry, advance, ttlMs }) => {
    const service = unique('renewed');
    const lease = await registry.register({ id: 'a', service, address: addr(8001) }, { ttlMs });
    for (let i = 0; i < 3; i++) {
      await advance(lease.ttlMs * 0.6);
      await lease.renew();
    }
    assert.equal((await registry.get(service)).instances.length, 1);
  });

  t('an instance whose lease is not renewed expires and disappears from watches', async ({ registry, advance, ttlMs }) => {
    const service = unique('expiring');
    const rec = recorder();
    const watch = await registry.watch(service, rec.listener);
    const lease = await registry.register({ id: 'a', service, address: addr(8001) }, { ttlMs });
    await rec.until((s) => s.instances.length === 1, 'a is listed');
    const gone = rec.until((s) => s.instances.length === 0 && s.index > 0, 'a is gone', lease.ttlMs * 4 + 5000);
    await advance(lease.ttlMs + 1);
    await gone;
    await assert.rejects(lease.renew(), (e: unknown) => isSwitchyardError(e, 'LEASE_EXPIRED'));
    await watch.close();
  });
}
