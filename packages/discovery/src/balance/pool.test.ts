import { ManualClock, isSwitchyardError } from '@switchyard/core';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NoHealthyInstanceError } from '../errors.js';
import { instanceFromSpec, type Health, type Instance, type InstanceSpec } from '../instance.js';
import { consistentHash } from './consistent-hash.js';
import { ServicePool, type PoolEvent, type PoolOptions } from './pool.js';

let index = 0;
function inst(id: string, extra: Partial<InstanceSpec> & { health?: Health } = {}): Instance {
  return instanceFromSpec({ id, service: 'svc', address: { host: '10.0.0.1', port: 8000 + Number(id.replace(/\D/g, '') || 0) }, ...extra }, 0, ++index);
}
const snap = (instances: Instance[]) => ({ service: 'svc', index: ++index, instances });

function pool(instances: Instance[], options: PoolOptions = {}) {
  const clock = new ManualClock();
  const p = new ServicePool('svc', { clock, outlier: { baseEjectionMs: 1000, maxEjectedShare: 0.5 }, ...options });
  p.update(snap(instances));
  const picks = (n: number, key?: string) => Array.from({ length: n }, () => p.pick(key).id);
  return { clock, p, picks };
}

test('passing and warning instances take traffic; critical and draining ones do not', () => {
  const { picks } = pool([inst('a1'), inst('b2', { health: 'warning' }), inst('c3', { health: 'critical' }), inst('d4', { health: 'draining' })]);
  assert.deepEqual(new Set(picks(8)), new Set(['a1', 'b2']));
});

test('with none eligible, pick throws NO_HEALTHY_INSTANCE saying how many are registered', () => {
  const { p } = pool([inst('a1', { health: 'critical' })]);
  assert.throws(() => p.pick(), (e: unknown) => e instanceof NoHealthyInstanceError && e.code === 'NO_HEALTHY_INSTANCE' && e.known === 1);
  const empty = new ServicePool('svc');
  assert.throws(() => empty.pick(), { message: 'service "svc" has no registered instance' });
});

function failAll(p: ServicePool, id: string) {
  const ep = p.endpoints.find((e) => e.id === id)!;
  for (let i = 0; i < 5; i++) p.end(p.begin(ep), 'failure', 1);
}

test('failing instances are ejected, up to the cap', () => {
  const { p, picks } = pool([inst('a1'), inst('b2')]);
  assert.deepEqual(new Set(picks(2)), new Set(['a1', 'b2']));
  failAll(p, 'a1');
  assert.deepEqual(new Set(Array.from({ length: 4 }, () => p.pick().id)), new Set(['b2']));
  failAll(p, 'b2');
  assert.equal(p.pick().id, 'b2', 'the cap keeps the last one in rotation');
});

test('when every instance is ejected (a cap of 1), the error says when the first comes back', async () => {
  const { p, clock } = pool([inst('a1'), inst('b2')], { outlier: { baseEjectionMs: 1000, maxEjectedShare: 1 } });
  failAll(p, 'a1');
  await clock.advance(300);
  failAll(p, 'b2');
  assert.throws(() => p.pick(), (e: unknown) => e instanceof NoHealthyInstanceError && e.known === 2 && e.retryAfterMs === 700);
  await clock.advance(700);
  assert.equal(p.pick().id, 'a1', 'on probation');
});

test('an instance on probation takes one call at a time; the others take the rest', async () => {
  const { p, clock, picks } = pool([inst('a1'), inst('b2'), inst('c3'), inst('d4')]);
  failAll(p, 'a1');
  await clock.advance(1000);
  assert.equal(p.outlier?.stateOf('a1'), 'probation');
  const probe = p.begin(p.endpoints[0]!);
  assert.ok(!picks(6).includes('a1'), 'no second call while the probe is out');
  p.end(probe, 'success', 1);
  assert.ok(picks(8).includes('a1'), 'readmitted');
});

test('zone preference: local instances while any is eligible, then the others', () => {
  const a = inst('a1', { zone: 'east' });
  const b = inst('b2', { zone: 'west' });
  const { p, picks } = pool([a, b], { zone: 'east' });
  assert.deepEqual(new Set(picks(4)), new Set(['a1']));
  p.update(snap([{ ...a, health: 'critical' }, b]));
  assert.deepEqual(new Set(picks(4)), new Set(['b2']));
});

test('a filter pins calls to matching instances', () => {
  const { picks } = pool([inst('a1', { version: '1' }), inst('b2', { version: '2' })], { filter: (i) => i.version === '2' });
  assert.deepEqual(new Set(picks(4)), new Set(['b2']));
});

test('avoid steers a retry away from the instance that just failed, unless it is the only one', () => {
  const { p } = pool([inst('a1'), inst('b2')], { balancer: consistentHash() });
  const home = p.pick('k');
  assert.notEqual(p.pick('k', home.id).id, home.id);
  const single = pool([inst('a1')]).p;
  assert.equal(single.pick(undefined, 'a1').id, 'a1');
});

test('snapshots keep per-endpoint state, drop departed instances, ignore stale indexes', () => {
  const a = inst('a1');
  const { p } = pool([a, inst('b2')]);
  const events: PoolEvent[] = [];
  p.on((e) => events.push(e));
  const ep = p.endpoints[0]!;
  const call = p.begin(ep);
  p.update(snap([{ ...a, health: 'warning' }]));
  assert.equal(p.endpoints[0], ep, 'same endpoint object: outstanding and latency survive');
  assert.equal(ep.outstanding, 1);
  p.end(call, 'success', 5);
  assert.deepEqual(events.map((e) => `${e.type}:${e.endpoint.id}`), ['updated:a1', 'removed:b2']);
  p.update({ service: 'svc', index: 0, instances: [] });
  assert.equal(p.endpoints.length, 1, 'an older snapshot is ignored');
});

test('an instance that comes back at a new address is a new endpoint', () => {
  const a = inst('a1');
  const { p } = pool([a]);
  const before = p.endpoints[0]!;
  p.update(snap([{ ...a, address: { host: '10.0.0.9', port: 9000 } }]));
  assert.notEqual(p.endpoints[0], before);
  assert.equal(p.endpoints[0]!.authority, '10.0.0.9:9000');
  assert.equal(p.outlier?.stateOf('a1'), 'admitted');
});

test('a neutral outcome does not feed latency; others do', () => {
  const { p } = pool([inst('a1')]);
  const ep = p.endpoints[0]!;
  p.end(p.begin(ep), 'neutral', 500);
  assert.equal(ep.ewmaMs, 0);
  p.end(p.begin(ep), 'success', 7);
  assert.equal(ep.ewmaMs, 7);
  assert.ok(isSwitchyardError(new NoHealthyInstanceError('s', 0)));
});
