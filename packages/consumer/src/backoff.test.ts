import assert from 'node:assert/strict';
import { test } from 'node:test';
import { constantBackoff, decorrelatedJitterBackoff, exponentialBackoff } from './backoff.js';

test('constant backoff gives the same delay after every attempt', () => {
  const b = constantBackoff(250);
  assert.deepEqual([1, 2, 10].map((a) => b.delay(a)), [250, 250, 250]);
  assert.throws(() => constantBackoff(-1), { message: 'backoff.delayMs: must be an integer from 0 to 43200000, got -1' });
});

test('exponential backoff doubles from initialMs and stops at maxMs', () => {
  const b = exponentialBackoff({ initialMs: 100, factor: 2, maxMs: 1000 });
  assert.deepEqual([1, 2, 3, 4, 5, 60].map((a) => b.delay(a)), [100, 200, 400, 800, 1000, 1000]);
  const jittered = exponentialBackoff({ initialMs: 100, maxMs: 1000, jitter: true, random: () => 0.5 });
  assert.equal(jittered.delay(3), 200);
  assert.throws(() => exponentialBackoff({ factor: 0.5 }), { message: 'backoff.factor: must be a number from 1 to 100, got 0.5' });
  assert.throws(() => exponentialBackoff({ initialMs: 2000, maxMs: 1000 }), { message: 'backoff.initialMs: must not exceed maxMs (1000)' });
});

test('decorrelated jitter stays within [base, max] and grows with the attempt', () => {
  let seed = 1;
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const b = decorrelatedJitterBackoff({ baseMs: 100, maxMs: 10_000, random });
  const first = Array.from({ length: 200 }, () => b.delay(1));
  const fifth = Array.from({ length: 200 }, () => b.delay(5));
  for (const d of [...first, ...fifth]) assert.ok(d >= 100 && d <= 10_000, `${d} out of bounds`);
  const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
  assert.ok(mean(first) < 300, `first retries average ${mean(first)}`);
  assert.ok(mean(fifth) > 2 * mean(first), 'later retries wait longer');
  assert.ok(new Set(fifth).size > 100, 'delays are spread out');
  const pinned = decorrelatedJitterBackoff({ baseMs: 100, maxMs: 250, random: () => 0.999 });
  assert.equal(pinned.delay(10), 250);
  assert.throws(() => decorrelatedJitterBackoff({ baseMs: 0 }), { message: 'backoff.baseMs: must be an integer from 1 to 43200000, got 0' });
});
