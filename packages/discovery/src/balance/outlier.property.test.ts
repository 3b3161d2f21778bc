import { ManualClock } from '@switchyard/core';
import { ConsecutiveBreaker } from '@switchyard/resilience';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { OutlierDetector, type OutlierTicket } from './outlier.js';

type Op =
  | { kind: 'call'; who: number; outcome: 'success' | 'failure' | 'neutral'; hold: boolean }
  | { kind: 'finish'; outcome: 'success' | 'failure' | 'neutral' }
  | { kind: 'advance'; ms: number }
  | { kind: 'add' }
  | { kind: 'remove'; who: number };

// Failures are the common outcome, so that ejections (and the cap) are reached often.
const outcome = fc.oneof(
  { weight: 4, arbitrary: fc.constant('failure' as const) },
  { weight: 1, arbitrary: fc.constant('success' as const) },
  { weight: 1, arbitrary: fc.constant('neutral' as const) },
);
const op: fc.Arbitrary<Op> = fc.oneof(
  // Calls go to the first few instances (so they trip), removals to any (so the cap shrinks).
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('call' as const), who: fc.nat(3), outcome, hold: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('finish' as const), outcome }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 4000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('add' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), who: fc.nat(20) }) },
);

test('property: ejections never exceed the cap, whatever the calls, timing and membership changes', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 100 }), fc.array(op, { minLength: 20, maxLength: 200, size: 'max' }), async (n, percent, ops) => {
      // Whole percents: fast-check's doubles crowd the edges (0, 1, subnormals), where the cap is trivial.
      const share = percent / 100;
      const clock = new ManualClock();
      const d = new OutlierDetector({ baseEjectionMs: 1000, maxEjectionMs: 3000, maxEjectedShare: share, clock, breaker: () => new ConsecutiveBreaker(2) });
      let ids: string[] = [];
      let next = 0;
      const add = () => {
        const id = `i${next++}`;
        ids.push(id);
        d.add(id);
      };
      for (let i = 0; i < n; i++) add();
      const held: OutlierTicket[] = [];
      const check = () => {
        const ejected = ids.filter((id) => d.stateOf(id) === 'ejected').length;
        assert.equal(d.ejectedCount, ejected, 'the count matches the states');
        assert.equal(d.onProbation, ids.filter((id) => d.stateOf(id) === 'probation').length, 'the probation count matches the states');
        assert.ok(ejected <= Math.floor(share * ids.length + 1e-9), `${ejected} ejected of ${ids.length} with share ${share}`);
        for (const id of ids) {
          if (d.stateOf(id) === 'ejected') assert.equal(d.admits(id), false, 'an ejected instance takes no calls');
        }
      };
      for (const o of ops) {
        if (o.kind === 'call' && ids.length > 0) {
          const id = ids[o.who % ids.length]!;
          if (!d.admits(id)) continue; // the pool never calls an instance the detector refuses
          const t = d.begin(id);
          if (o.hold) held.push(t);
          else d.end(t, o.outcome);
        } else if (o.kind === 'finish' && held.length > 0) {
          d.end(held.shift()!, o.outcome);
        } else if (o.kind === 'advance') {
          await clock.advance(o.ms);
        } else if (o.kind === 'add') {
          add();
        } else if (o.kind === 'remove' && ids.length > 0) {
          const id = ids[o.who % ids.length]!;
          ids = ids.filter((x) => x !== id);
          d.remove(id);
        }
        check();
      }
      d.close();
    }),
    { numRuns: 200 },
  );
});

test('property: an ejected instance comes back on probation once its ejection time has passed', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 5 }), async (times) => {
      const clock = new ManualClock();
      const d = new OutlierDetector({ baseEjectionMs: 1000, maxEjectionMs: 10_000, clock });
      d.add('a');
      d.add('b');
      for (let i = 0; i < 5; i++) d.end(d.begin('a'), 'failure');
      for (let k = 1; k < times; k++) {
        await clock.advance(1000 * k);
        d.end(d.begin('a'), 'failure');
      }
      assert.equal(d.stateOf('a'), 'ejected');
      await clock.advance(1000 * times - 1);
      assert.equal(d.stateOf('a'), 'ejected');
      await clock.advance(1);
      assert.equal(d.stateOf('a'), 'probation');
    }),
    { numRuns: 20 },
  );
});
