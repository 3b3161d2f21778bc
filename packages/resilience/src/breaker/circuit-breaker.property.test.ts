import { ManualClock } from '@switchyard/core';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BrokenCircuitError } from '../errors.js';
import { deferred, type Deferred } from '../testing/deferred.js';
import { CircuitBreakerPolicy } from './circuit-breaker.js';
import { ConsecutiveBreaker } from './consecutive.js';

type Op = { kind: 'call' } | { kind: 'settle'; pick: number; fail: boolean; expected: boolean } | { kind: 'advance'; ms: number };

// Weighted so runs often get through open and half-open with several calls in flight.
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'call' as const }), weight: 4 },
  {
    arbitrary: fc.record({ kind: fc.constant('settle' as const), pick: fc.nat(), fail: fc.boolean(), expected: fc.integer({ min: 0, max: 4 }).map((n) => n === 0) }),
    weight: 3,
  },
  { arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 150 }) }), weight: 1 },
);

test('property: half-open never admits more than halfOpenProbes calls, and closes only after that many pass', async () => {
  const coverage = { fullHalfOpen: 0 };
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.array(op, { minLength: 30, maxLength: 150 }), async (threshold, probes, ops) => {
      const clock = new ManualClock();
      const policy = new CircuitBreakerPolicy({
        breaker: new ConsecutiveBreaker(threshold),
        halfOpenAfterMs: 100,
        halfOpenProbes: probes,
        clock,
        isFailure: (e) => !(e instanceof Error && e.message === 'expected'),
      });
      // Assertions inside callbacks would be swallowed by the policy, so collect and check after.
      const violations: string[] = [];
      let admittedThisHalfOpen = 0;
      let sawFullHalfOpen = false;
      let passedThisHalfOpen = 0;
      const probeCalls = new Set<Deferred<string>>();
      policy.onStateChange((e) => {
        if (e.to === 'half-open') admittedThisHalfOpen = passedThisHalfOpen = 0;
        if (e.from === 'half-open' && e.to === 'closed') {
          if (passedThisHalfOpen !== probes) violations.push(`closed after ${passedThisHalfOpen} of ${probes} probes passed`);
        }
        if (e.from === 'half-open') probeCalls.clear();
      });
      const pending: Deferred<string>[] = [];
      for (const o of ops) {
        if (o.kind === 'advance') await clock.advance(o.ms);
        else if (o.kind === 'call') {
          const d = deferred<string>();
          const call = policy.execute(() => {
            if (policy.state === 'open') violations.push('a task ran while the circuit was open');
            if (policy.state === 'half-open') {
              admittedThisHalfOpen++;
              probeCalls.add(d);
              if (admittedThisHalfOpen === probes) sawFullHalfOpen = true;
              if (admittedThisHalfOpen > probes) violations.push(`admitted ${admittedThisHalfOpen} probes, limit ${probes}`);
            }
            pending.push(d);
            return d.promise;
          });
          call.catch((e: unknown) => {
            if (e instanceof BrokenCircuitError && policy.state === 'closed') violations.push('rejected while closed');
          });
        } else if (pending.length > 0) {
          const [d] = pending.splice(o.pick % pending.length, 1);
          if (probeCalls.has(d!) && !o.fail) passedThisHalfOpen++;
          if (o.fail) d!.reject(new Error(o.expected ? 'expected' : 'down'));
          else d!.resolve('ok');
          if (o.fail && o.expected && probeCalls.has(d!)) passedThisHalfOpen++;
        }
        await clock.advance(0);
      }
      assert.deepEqual(violations, []);
      if (sawFullHalfOpen) coverage.fullHalfOpen++;
    }),
    { numRuns: 300 },
  );
  // Guards the generator: the invariant is only tested if runs reach a full half-open period.
  assert.ok(coverage.fullHalfOpen > 30, `only ${coverage.fullHalfOpen} runs filled every probe slot`);
});
