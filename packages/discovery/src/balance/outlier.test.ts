import { ManualClock } from '@switchyard/core';
import { CountWindowBreaker } from '@switchyard/resilience';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OutlierDetector, type OutlierEvent, type OutlierOptions } from './outlier.js';

function setup(ids: string[], options: Partial<OutlierOptions> = {}) {
  const clock = new ManualClock();
  const d = new OutlierDetector({ baseEjectionMs: 1000, maxEjectionMs: 5000, maxEjectedShare: 0.5, clock, ...options });
  for (const id of ids) d.add(id);
  const events: OutlierEvent[] = [];
  d.onChange((e) => events.push(e));
  const call = (id: string, outcome: 'success' | 'failure' | 'neutral') => d.end(d.begin(id), outcome);
  const fail = (id: string, n: number) => {
    for (let i = 0; i < n; i++) call(id, 'failure');
  };
  return { clock, d, events, call, fail };
}

test('five failures in a row eject an instance; a success in between resets the count', () => {
  const { d, fail, call } = setup(['a', 'b']);
  fail('a', 4);
  call('a', 'success');
  fail('a', 4);
  assert.equal(d.stateOf('a'), 'admitted');
  fail('a', 1);
  assert.equal(d.stateOf('a'), 'ejected');
  assert.equal(d.admits('a'), false);
  assert.equal(d.ejectedCount, 1);
});

test('after the ejection time it is on probation: one call at a time, and a success readmits it', async () => {
  const { clock, d, fail, events } = setup(['a', 'b']);
  fail('a', 5);
  assert.equal(d.nextReadmissionMs(), 1000);
  await clock.advance(1000);
  assert.equal(d.stateOf('a'), 'probation');
  assert.equal(d.admits('a'), true);
  const probe = d.begin('a');
  assert.equal(d.admits('a'), false, 'one probe at a time');
  d.end(probe, 'success');
  assert.equal(d.stateOf('a'), 'admitted');
  assert.deepEqual(events.map((e) => `${e.from}>${e.to}:${e.reason}`), ['admitted>ejected:failures', 'ejected>probation:ejection-ended', 'probation>admitted:probe-succeeded']);
  fail('a', 4);
  assert.equal(d.stateOf('a'), 'admitted', 'the breaker count started again');
});

test('a failed probe ejects again for longer, up to the maximum', async () => {
  const { clock, d, fail, events } = setup(['a', 'b']);
  fail('a', 5);
  for (let i = 0; i < 6; i++) {
    await clock.advance(events.at(-1)!.ejectionMs!);
    d.end(d.begin('a'), 'failure');
  }
  assert.deepEqual(events.filter((e) => e.to === 'ejected').map((e) => e.ejectionMs), [1000, 2000, 3000, 4000, 5000, 5000, 5000]);
});

test('the ejection count is forgotten after a calm spell as long as the longest ejection', async () => {
  const { clock, d, fail, events } = setup(['a', 'b']);
  fail('a', 5);
  await clock.advance(1000);
  d.end(d.begin('a'), 'success');
  fail('a', 5);
  assert.equal(events.at(-1)!.ejectionMs, 2000, 'soon after: longer');
  await clock.advance(2000);
  d.end(d.begin('a'), 'success');
  await clock.advance(5000);
  fail('a', 5);
  assert.equal(events.at(-1)!.ejectionMs, 1000, 'after a calm spell: back to the base');
});

test('the cap: with 4 instances and a share of 0.5, a third failing one stays in rotation', () => {
  const { d, fail } = setup(['a', 'b', 'c', 'd']);
  fail('a', 5);
  fail('b', 5);
  fail('c', 5);
  assert.deepEqual(['a', 'b', 'c'].map((id) => d.stateOf(id)), ['ejected', 'ejected', 'admitted']);
  assert.equal(d.refused, 1);
  assert.equal(d.admits('c'), true);
});

test('when a slot frees, the next failure of a capped instance ejects it', async () => {
  const { clock, d, fail, call } = setup(['a', 'b']);
  fail('a', 5);
  fail('b', 5);
  assert.equal(d.stateOf('b'), 'admitted');
  await clock.advance(1000);
  call('a', 'success');
  fail('b', 1);
  assert.equal(d.stateOf('b'), 'ejected');
});

test('outcomes of calls started before an ejection do not decide the probation after it', async () => {
  const { clock, d, fail } = setup(['a', 'b']);
  const inflight = d.begin('a');
  fail('a', 5);
  await clock.advance(1000);
  d.end(inflight, 'failure');
  assert.equal(d.stateOf('a'), 'probation');
});

test('a neutral outcome (the caller gave up) frees the probe slot without deciding', async () => {
  const { clock, d, fail } = setup(['a', 'b']);
  fail('a', 5);
  await clock.advance(1000);
  d.end(d.begin('a'), 'neutral');
  assert.equal(d.stateOf('a'), 'probation');
  assert.equal(d.admits('a'), true);
});

test('when instances leave and the cap shrinks, the ejected ones due first come back early', () => {
  const { d, fail, events } = setup(['a', 'b', 'c', 'd']);
  fail('a', 5);
  fail('b', 5);
  d.remove('d');
  d.remove('c'); // 2 instances, cap 1
  assert.equal(d.ejectedCount, 1);
  assert.equal(d.stateOf('a'), 'probation');
  assert.equal(events.at(-1)!.reason, 'cap');
});

test('any resilience Breaker strategy decides when to eject', () => {
  const { d, call } = setup(['a', 'b'], { breaker: () => new CountWindowBreaker({ size: 10, failureRate: 0.5, minimumCalls: 10 }) });
  for (let i = 0; i < 9; i++) call('a', i % 2 === 0 ? 'failure' : 'success');
  assert.equal(d.stateOf('a'), 'admitted');
  call('a', 'failure');
  assert.equal(d.stateOf('a'), 'ejected');
});

test('options are checked at construction', () => {
  assert.throws(() => new OutlierDetector({ maxEjectedShare: 1.5 }), { message: 'outlier.maxEjectedShare: must be a number in [0, 1], got 1.5' });
  assert.throws(() => new OutlierDetector({ baseEjectionMs: 10, maxEjectionMs: 5 }), {
    message: 'outlier.maxEjectionMs: must be >= baseEjectionMs (10), got 5',
  });
  assert.throws(() => new OutlierDetector({ baseEjectionMs: 0 }), { message: 'outlier.baseEjectionMs: must be a finite number > 0, got 0' });
});
