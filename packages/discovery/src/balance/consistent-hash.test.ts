import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Endpoint } from './endpoint.js';
import { endpoints, tally } from '../testing/endpoints.js';
import { consistentHash } from './consistent-hash.js';

const keys = Array.from({ length: 2000 }, (_, i) => `user-${i}`);

function homes(all: Endpoint[], candidates = all): Map<string, string> {
  const ch = consistentHash({ replicas: 50 });
  return new Map(keys.map((k) => [k, ch.pick(candidates, k, all).id]));
}

test('the same key always lands on the same instance, and keys spread over all instances', () => {
  const eps = endpoints(4);
  const ch = consistentHash();
  assert.equal(ch.pick(eps, 'cart-42', eps).id, ch.pick(eps, 'cart-42', eps).id);
  const counts = tally(keys.map((k) => ch.pick(eps, k, eps)));
  for (const e of eps) assert.ok((counts[e.id] ?? 0) > keys.length * 0.15, `${e.id} got ${counts[e.id]} of ${keys.length}`);
});

test('a heavier instance owns a proportionally larger share of keys', () => {
  const eps = endpoints(2, (i) => ({ weight: i === 0 ? 3 : 1 }));
  const counts = tally(keys.map((k) => consistentHash().pick(eps, k, eps)));
  const share = (counts['i000'] ?? 0) / keys.length;
  assert.ok(share > 0.65 && share < 0.85, `weight 3 of 4 got ${share}`);
});

test('property: when an instance joins, every key that moves moves to it', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), (n) => {
      const all = endpoints(n + 1);
      const before = homes(all.slice(0, n));
      const after = homes(all);
      const joined = all[n]!.id;
      let moved = 0;
      for (const [k, home] of before) {
        if (after.get(k) !== home) {
          moved++;
          assert.equal(after.get(k), joined);
        }
      }
      // About 1/(n+1) of the keys should move; far more means the ring is not consistent.
      assert.ok(moved <= (keys.length / (n + 1)) * 2, `${moved} of ${keys.length} keys moved for 1 of ${n + 1} instances`);
    }),
    { numRuns: 30 },
  );
});

test('property: when an instance leaves or is skipped, only its own keys move', () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 12 }), fc.nat(), fc.boolean(), (n, which, skipOnly) => {
      const all = endpoints(n);
      const gone = all[which % n]!;
      const before = homes(all);
      const rest = all.filter((e) => e !== gone);
      // Skipped (ejected, unhealthy): the ring stays; left (deregistered): the ring is rebuilt.
      const after = skipOnly ? homes(all, rest) : homes(rest);
      for (const [k, home] of before) {
        if (home !== gone.id) assert.equal(after.get(k), home, `${k} moved though ${home} is still there`);
        else assert.notEqual(after.get(k), gone.id);
      }
    }),
    { numRuns: 30 },
  );
});

test('calls without a key fall back to round robin', () => {
  const eps = endpoints(3);
  const ch = consistentHash();
  assert.deepEqual(new Set(Array.from({ length: 3 }, () => ch.pick(eps, undefined, eps).id)), new Set(eps.map((e) => e.id)));
});

test('options are checked', () => {
  assert.throws(() => consistentHash({ replicas: 0 }), { message: 'consistentHash.replicas: must be an integer >= 1, got 0' });
});
