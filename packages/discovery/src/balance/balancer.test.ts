import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { endpoints, tally } from '../testing/endpoints.js';
import { leastOutstanding, powerOfTwoChoices, roundRobin, weightedRoundRobin } from './balancer.js';

test('round robin takes each candidate in turn', () => {
  const eps = endpoints(3);
  const rr = roundRobin();
  assert.deepEqual(Array.from({ length: 6 }, () => rr.pick(eps, undefined, eps).id), ['i000', 'i001', 'i002', 'i000', 'i001', 'i002']);
});

test('smooth weighted round robin spreads a heavy instance instead of bunching it', () => {
  const eps = endpoints(3, (i) => ({ weight: [5, 1, 1][i] }));
  const wrr = weightedRoundRobin();
  const seq = Array.from({ length: 7 }, () => wrr.pick(eps, undefined, eps).id);
  // nginx's documented sequence for weights 5, 1, 1.
  assert.deepEqual(seq, ['i000', 'i000', 'i001', 'i000', 'i002', 'i000', 'i000']);
});

test('property: over any Σweight picks of a stable set, weighted round robin picks each exactly weight times', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 8 }), fc.nat(50), (weights, warmup) => {
      const eps = endpoints(weights.length, (i) => ({ weight: weights[i] }));
      const wrr = weightedRoundRobin();
      for (let i = 0; i < warmup; i++) wrr.pick(eps, undefined, eps);
      const total = weights.reduce((a, b) => a + b, 0);
      const counts = tally(Array.from({ length: total }, () => wrr.pick(eps, undefined, eps)));
      eps.forEach((e, i) => assert.equal(counts[e.id] ?? 0, weights[i]));
    }),
  );
});

test('least outstanding picks the least busy, and rotates among ties', () => {
  const eps = endpoints(3);
  eps[0]!.outstanding = 2;
  eps[1]!.outstanding = 1;
  eps[2]!.outstanding = 1;
  const lor = leastOutstanding();
  const picks = Array.from({ length: 4 }, () => lor.pick(eps, undefined, eps).id);
  assert.ok(!picks.includes('i000'));
  assert.deepEqual(new Set(picks), new Set(['i001', 'i002']));
});

test('power of two choices takes the cheaper of two (latency × load)', () => {
  const [a, b] = endpoints(2);
  a!.observe(10, 1);
  b!.observe(40, 1);
  const p2c = powerOfTwoChoices({ random: () => 0.3 });
  assert.equal(p2c.pick([a!, b!], undefined, [a!, b!]).id, a!.id);
  a!.outstanding = 4; // 10 × 5 = 50 > 40 × 1
  assert.equal(p2c.pick([a!, b!], undefined, [a!, b!]).id, b!.id);
});

test('property: power of two choices never picks the single most expensive of 3+ distinct costs', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: 3, maxLength: 10 }), fc.double({ min: 0, max: 0.999, noNaN: true }), fc.double({ min: 0, max: 0.999, noNaN: true }), (lat, r1, r2) => {
      const eps = endpoints(lat.length);
      eps.forEach((e, i) => e.observe(lat[i]!, 1));
      const rs = [r1, r2];
      const p2c = powerOfTwoChoices({ random: () => rs.shift() ?? 0 });
      const worst = eps.reduce((w, e) => (e.cost() > w.cost() ? e : w));
      assert.notEqual(p2c.pick(eps, undefined, eps), worst);
    }),
  );
});

test('peak EWMA jumps to a slower latency at once and decays towards faster ones over time', () => {
  const [e] = endpoints(1);
  e!.observe(10, 1000);
  e!.observe(100, 1001);
  assert.equal(e!.ewmaMs, 100);
  e!.observe(10, 1001 + 10_000); // one time constant later: weight e^-1 on the old value
  assert.ok(Math.abs(e!.ewmaMs - (100 * Math.exp(-1) + 10 * (1 - Math.exp(-1)))) < 1e-9);
  const fresh = endpoints(1)[0]!;
  assert.equal(fresh.cost(), 0, 'unmeasured and idle: worth trying');
  fresh.outstanding = 1;
  assert.ok(fresh.cost() > 1e6, 'unmeasured and busy: avoided');
});
