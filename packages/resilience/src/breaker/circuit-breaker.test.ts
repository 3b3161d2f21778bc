import { InvalidArgumentError, ManualClock } from '@switchyard/core';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BrokenCircuitError } from '../errors.js';
import { deferred, track } from '../testing/deferred.js';
import { CircuitBreakerPolicy, type StateChange } from './circuit-breaker.js';
import { ConsecutiveBreaker } from './consecutive.js';
import { CountWindowBreaker } from './count-window.js';

const ok = () => Promise.resolve('ok');
const fail = () => Promise.reject(new Error('down'));

function setup(options: Partial<ConstructorParameters<typeof CircuitBreakerPolicy>[0]> = {}) {
  const clock = new ManualClock();
  const policy = new CircuitBreakerPolicy({ breaker: new ConsecutiveBreaker(3), halfOpenAfterMs: 1000, clock, ...options });
  const changes: StateChange[] = [];
  policy.onStateChange((e) => changes.push(e));
  return { clock, policy, changes };
}

async function failTimes(policy: CircuitBreakerPolicy, n: number) {
  for (let i = 0; i < n; i++) await assert.rejects(policy.execute(fail), /down/);
}

test('opens after the breaker threshold and then fails fast without calling the task', async () => {
  const { clock, policy, changes } = setup();
  await failTimes(policy, 3);
  assert.equal(policy.state, 'open');
  assert.deepEqual(changes, [{ from: 'closed', to: 'open', reason: 'failures', at: clock.now() }]);
  let called = false;
  await clock.advance(400);
  await assert.rejects(
    policy.execute(() => ((called = true), ok())),
    (e: unknown) => e instanceof BrokenCircuitError && e.code === 'BROKEN_CIRCUIT' && e.retryAfterMs === 600,
  );
  assert.equal(called, false);
});

test('a success in between resets a consecutive breaker', async () => {
  const { policy } = setup();
  await failTimes(policy, 2);
  await policy.execute(ok);
  await failTimes(policy, 2);
  assert.equal(policy.state, 'closed');
});

test('half-open admits one probe, rejects others meanwhile, and closes when it succeeds', async () => {
  const { clock, policy, changes } = setup();
  await failTimes(policy, 3);
  await clock.advance(1000);
  const probe = deferred<string>();
  const first = track(policy.execute(() => probe.promise));
  assert.equal(policy.state, 'half-open');
  await assert.rejects(policy.execute(ok), (e: unknown) => e instanceof BrokenCircuitError && e.state === 'half-open');
  probe.resolve('fine');
  await clock.advance(0);
  assert.equal(first.value, 'fine');
  assert.equal(policy.state, 'closed');
  assert.deepEqual(
    changes.map((c) => c.reason),
    ['failures', 'half-open', 'probes-succeeded'],
  );
});

test('a failing probe opens the circuit again for a full period', async () => {
  const { clock, policy } = setup();
  await failTimes(policy, 3);
  await clock.advance(1000);
  await failTimes(policy, 1);
  assert.equal(policy.state, 'open');
  await clock.advance(999);
  await assert.rejects(policy.execute(ok), BrokenCircuitError);
  await clock.advance(1);
  assert.equal(await policy.execute(ok), 'ok');
});

test('with several probes, every one must pass before the circuit closes', async () => {
  const { clock, policy } = setup({ halfOpenProbes: 3 });
  await failTimes(policy, 3);
  await clock.advance(1000);
  const probes = [deferred<string>(), deferred<string>(), deferred<string>()];
  const calls = probes.map((p) => track(policy.execute(() => p.promise)));
  await assert.rejects(policy.execute(ok), BrokenCircuitError, 'a fourth probe is refused');
  probes[0]!.resolve('a');
  probes[1]!.resolve('b');
  await clock.advance(0);
  assert.equal(policy.state, 'half-open');
  probes[2]!.resolve('c');
  await clock.advance(0);
  assert.equal(policy.state, 'closed');
  assert.deepEqual(
    calls.map((c) => c.value),
    ['a', 'b', 'c'],
  );
});

test('expected errors (isFailure false) neither open the circuit nor fail a probe', async () => {
  const notFound = () => Promise.reject(Object.assign(new Error('404'), { status: 404 }));
  const { clock, policy } = setup({ isFailure: (e) => (e as { status?: number }).status !== 404 });
  for (let i = 0; i < 10; i++) await assert.rejects(policy.execute(notFound), /404/);
  assert.equal(policy.state, 'closed');
  await failTimes(policy, 3);
  await clock.advance(1000);
  await assert.rejects(policy.execute(notFound), /404/);
  assert.equal(policy.state, 'closed', 'an expected error shows the dependency answering');
});

test('a success slower than slowCallMs counts as a failure', async () => {
  const { clock, policy } = setup({ slowCallMs: 200 });
  for (let i = 0; i < 3; i++) {
    const d = deferred<string>();
    const call = track(policy.execute(() => d.promise));
    await clock.advance(200);
    d.resolve('slow');
    await clock.advance(0);
    assert.equal(call.value, 'slow', 'the caller still gets the value');
  }
  assert.equal(policy.state, 'open');
});

test('an outcome from an earlier period does not decide the current one', async () => {
  const { clock, policy } = setup();
  const straggler = deferred<string>();
  const late = track(policy.execute(() => straggler.promise));
  await failTimes(policy, 3);
  await clock.advance(1000);
  const probe = deferred<string>();
  track(policy.execute(() => probe.promise));
  straggler.resolve('late');
  await clock.advance(0);
  assert.equal(late.value, 'late');
  assert.equal(policy.state, 'half-open', 'the straggler was admitted while closed; it is not a probe');
});

test('toJSON and the state option carry an open circuit and the breaker history', async () => {
  const { clock, policy } = setup({ breaker: new CountWindowBreaker({ size: 4, failureRate: 0.5 }) });
  await policy.execute(ok);
  await policy.execute(ok);
  await failTimes(policy, 1);
  const closed = JSON.parse(JSON.stringify(policy.toJSON()));
  const copy = new CircuitBreakerPolicy({ breaker: new CountWindowBreaker({ size: 4, failureRate: 0.5 }), halfOpenAfterMs: 1000, clock, state: closed });
  await failTimes(copy, 1);
  assert.equal(copy.state, 'open', 'history survived: 2 of 4 failed');

  const open = JSON.parse(JSON.stringify(copy.toJSON()));
  assert.equal(open.openedAt, clock.now());
  await clock.advance(600);
  const restored = new CircuitBreakerPolicy({ breaker: new CountWindowBreaker({ size: 4, failureRate: 0.5 }), halfOpenAfterMs: 1000, clock, state: open });
  await assert.rejects(restored.execute(ok), (e: unknown) => e instanceof BrokenCircuitError && e.retryAfterMs === 400);
});

test('trip and reset force the state and say why', async () => {
  const { policy, changes } = setup();
  policy.trip();
  await assert.rejects(policy.execute(ok), BrokenCircuitError);
  policy.reset();
  assert.equal(await policy.execute(ok), 'ok');
  assert.deepEqual(
    changes.map((c) => [c.to, c.reason]),
    [
      ['open', 'manual'],
      ['closed', 'manual'],
    ],
  );
});

test('a foreign snapshot is refused with InvalidArgumentError', () => {
  const make = (state: unknown) => new CircuitBreakerPolicy({ breaker: new ConsecutiveBreaker(3), halfOpenAfterMs: 1, state: state as never });
  assert.throws(() => make({ state: 'open', breaker: { kind: 'consecutive', failures: 0 } }), /openedAt/);
  assert.throws(() => make({ state: 'closed', breaker: { kind: 'count', outcomes: [] } }), InvalidArgumentError);
  assert.throws(() => make({ state: 'ajar' }), InvalidArgumentError);
});
