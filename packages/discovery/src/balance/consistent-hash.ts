/**
 * Consistent hashing (a ring with virtual nodes) for sticky keys: a key goes to the first
 * endpoint clockwise from its hash. The ring is built on *every* endpoint the pool knows, and a
 * key whose home is not a candidate now (unhealthy, ejected) walks on to the next candidate, so
 *
 * - when an instance joins, the only keys that move are the ones that move to it;
 * - when one leaves (or is skipped), only its own keys move;
 * - and each instance owns about `replicas × weight` arcs of the ring, so a share of keys
 *   proportional to its weight.
 *
 * Calls without a key go round robin.
 */
import { checkCount } from '../validate.js';
import { roundRobin, type Balancer } from './balancer.js';
import type { Endpoint } from './endpoint.js';
import { hash32 } from './hash.js';

export interface ConsistentHashOptions {
  /** Virtual nodes per unit of weight (default 100). More spreads keys more evenly. */
  replicas?: number;
  /** For calls without a key (default round robin). */
  fallback?: Balancer;
}

interface Ring {
  points: Uint32Array;
  owners: Endpoint[];
}

export function consistentHash(options: ConsistentHashOptions = {}): Balancer {
  const replicas = checkCount('consistentHash.replicas', options.replicas ?? 100);
  const fallback = options.fallback ?? roundRobin();
  let ringFor: readonly Endpoint[] | undefined;
  let ring: Ring = { points: new Uint32Array(0), owners: [] };
  return {
    name: 'consistent-hash',
    pick(candidates, key, all) {
      if (key === undefined) return fallback.pick(candidates, key, all);
      if (all !== ringFor) {
        ring = buildRing(all, replicas);
        ringFor = all;
      }
      return lookup(ring, hash32(key), candidates, all.length) ?? fallback.pick(candidates, key, all);
    },
  };
}

function buildRing(all: readonly Endpoint[], replicas: number): Ring {
  const pts: { h: number; e: Endpoint }[] = [];
  for (const e of all) {
    const n = replicas * e.instance.weight;
    for (let i = 0; i < n; i++) pts.push({ h: hash32(`${e.id}#${i}`), e });
  }
  // Ties (equal hashes) are broken by id so every client builds the same ring.
  pts.sort((a, b) => a.h - b.h || (a.e.id < b.e.id ? -1 : a.e.id > b.e.id ? 1 : 0));
  return { points: Uint32Array.from(pts, (p) => p.h), owners: pts.map((p) => p.e) };
}

/** The first owner at or after `h` (wrapping) that is a candidate. */
function lookup(ring: Ring, h: number, candidates: readonly Endpoint[], endpoints: number): Endpoint | undefined {
  const { points, owners } = ring;
  const n = points.length;
  if (n === 0) return undefined;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]! < h) lo = mid + 1;
    else hi = mid;
  }
  if (candidates.length === endpoints) return owners[lo % n];
  const allowed = new Set(candidates);
  for (let k = 0; k < n; k++) {
    const owner = owners[(lo + k) % n]!;
    if (allowed.has(owner)) return owner;
  }
  return undefined;
}
