import { ManualClock } from '@switchyard/core';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BrokenCircuitError } from '../errors.js';
import { CircuitBreakerPolicy } from './circuit-breaker.js';
import { ConsecutiveBreaker } from './consecutive.js';
import { MemoryBreakerStateStore, SharedBreakerSync, type BreakerStateStore } from './shared.js';

function node(store: BreakerStateStore, clock: ManualClock, pollMs = 500) {
  const policy = new CircuitBreakerPolicy({ breaker: new ConsecutiveBreaker(2), halfOpenAfterMs: 1000, clock });
  const sync = new SharedBreakerSync(policy, store, { name: 'payments', pollMs, clock });
  return { policy, sync };
}

const fail = () => Promise.reject(new Error('down'));

test('an open decision spreads to the other processes at their next poll, and so does a close', async () => {
  const clock = new ManualClock();
  const store = new MemoryBreakerStateStore();
  const a = node(store, clock);
  const b = node(store, clock);
  for (let i = 0; i < 2; i++) await assert.rejects(a.policy.execute(fail));
  await a.sync.flush();
  assert.equal(b.policy.state, 'closed', 'not before b polls');
  await clock.advance(500);
  assert.equal(b.policy.state, 'open');
  await assert.rejects(b.policy.execute(() => 'x'), BrokenCircuitError);

  // b's open period runs from a's opening time, not from when b heard of it.
  await clock.advance(500);
  assert.equal(await b.policy.execute(() => 'probe ok'), 'probe ok');
  assert.equal(b.policy.state, 'closed');
  await b.sync.flush();
  await clock.advance(500);
  assert.equal(a.policy.state, 'closed');
  await a.sync.close();
  await b.sync.close();
  assert.equal(clock.pendingTimers, 0, 'close stops polling');
});

test('a failing store reports to onError and never affects calls', async () => {
  const clock = new ManualClock();
  const broken: BreakerStateStore = {
    publish: () => Promise.reject(new Error('store down')),
    read: () => Promise.reject(new Error('store down')),
  };
  const { policy, sync } = node(broken, clock);
  const errors: unknown[] = [];
  sync.onError((e) => errors.push(e));
  for (let i = 0; i < 2; i++) await assert.rejects(policy.execute(fail), /down/);
  await assert.rejects(policy.execute(() => 'x'), BrokenCircuitError, 'the local circuit still opens');
  await sync.flush();
  await clock.advance(500);
  assert.ok(errors.length >= 2, `${errors.length} errors reported`);
  await sync.close();
});

test('a change applied from the store is not published back', async () => {
  const clock = new ManualClock();
  const store = new MemoryBreakerStateStore();
  const a = node(store, clock);
  const b = node(store, clock);
  a.policy.trip();
  await a.sync.flush();
  await clock.advance(500);
  assert.equal(b.policy.state, 'open');
  await b.sync.flush();
  assert.equal((await store.read('payments'))?.version, 1);
  await a.sync.close();
  await b.sync.close();
});
