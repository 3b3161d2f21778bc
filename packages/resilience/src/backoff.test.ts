import { InvalidArgumentError } from '@switchyard/core';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { constantBackoff, decorrelatedJitterBackoff, exponentialBackoff } from './backoff.js';

const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const retry = fc.integer({ min: 1, max: 2000 });
const ms = fc.double({ min: 0, max: 1e6, noNaN: true });

test('property: exponential delays stay within [floor, min(max, initial·factor^(retry-1))]', () => {
  fc.assert(
    fc.property(ms, ms, fc.double({ min: 1, max: 10, noNaN: true }), fc.constantFrom('none', 'full', 'equal' as const), retry, unit, (a, b, factor, jitter, k, r) => {
      const [initialMs, maxMs] = a <= b ? [a, b] : [b, a];
      const d = exponentialBackoff({ initialMs, maxMs, factor, jitter, random: () => r }).delay(k, 0);
      const ceiling = initialMs === 0 ? 0 : Math.min(maxMs, initialMs * factor ** (k - 1));
      const floor = jitter === 'none' ? ceiling : jitter === 'equal' ? ceiling / 2 : 0;
      assert.ok(Number.isFinite(d), `delay ${d} is not finite`);
      assert.ok(d >= floor - 1e-9 && d <= ceiling + 1e-9, `delay ${d} outside [${floor}, ${ceiling}]`);
    }),
  );
});

test('property: decorrelated jitter stays within [base, max] and within 3x the previous delay', () => {
  fc.assert(
    fc.property(fc.double({ min: 1, max: 1e5, noNaN: true }), fc.double({ min: 1, max: 1e6, noNaN: true }), fc.array(unit, { minLength: 1, maxLength: 50 }), (a, b, randoms) => {
      const [baseMs, maxMs] = a <= b ? [a, b] : [b, a];
      let i = 0;
      const backoff = decorrelatedJitterBackoff({ baseMs, maxMs, random: () => randoms[i++ % randoms.length]! });
      let prev = 0;
      for (let k = 1; k <= randoms.length; k++) {
        const d = backoff.delay(k, prev);
        assert.ok(d >= baseMs - 1e-9 && d <= maxMs + 1e-9, `delay ${d} outside [${baseMs}, ${maxMs}]`);
        assert.ok(d <= Math.max(baseMs, prev) * 3 + 1e-9, `delay ${d} more than 3x previous ${prev}`);
        prev = d;
      }
    }),
  );
});

test('exponential without jitter doubles up to the cap', () => {
  const b = exponentialBackoff({ initialMs: 100, maxMs: 1000, jitter: 'none' });
  assert.deepEqual([1, 2, 3, 4, 5, 60, 5000].map((k) => b.delay(k, 0)), [100, 200, 400, 800, 1000, 1000, 1000]);
});

test('constant backoff always waits the same', () => {
  const b = constantBackoff(250);
  assert.deepEqual([b.delay(1, 0), b.delay(7, 250)], [250, 250]);
});

test('backoff options are validated when built', () => {
  assert.throws(() => exponentialBackoff({ initialMs: 500, maxMs: 100 }), InvalidArgumentError);
  assert.throws(() => exponentialBackoff({ factor: 0.5 }), InvalidArgumentError);
  assert.throws(() => decorrelatedJitterBackoff({ baseMs: 0 }), InvalidArgumentError);
  assert.throws(() => constantBackoff(-1), InvalidArgumentError);
});
