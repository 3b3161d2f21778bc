/**
 * Balancing strategies choose which instance takes a call. A strategy only chooses; which
 * instances are eligible (health, ejection, zone) is the pool's decision, made before.
 */
import type { Endpoint } from './endpoint.js';

export interface Balancer {
  readonly name: string;
  /**
   * Picks one of `candidates` (never empty; in a stable order, by id). `all` is every endpoint
   * the pool knows, a new array whenever that set changes; `key` is the call's sticky key.
   */
  pick(candidates: readonly Endpoint[], key: string | undefined, all: readonly Endpoint[]): Endpoint;
}

/** Returns a number in [0, 1). Injected so tests can pin choices. */
export type Random = () => number;

/** Each candidate in turn. */
export function roundRobin(): Balancer {
  let next = 0;
  return {
    name: 'round-robin',
    pick(candidates) {
      const i = next++ % candidates.length;
      if (next >= Number.MAX_SAFE_INTEGER) next = 0;
      return candidates[i]!;
    },
  };
}

/**
 * Smooth weighted round robin (nginx's): over any run of Σweight picks of a stable set, each
 * endpoint is picked exactly `weight` times, and heavy endpoints' picks are spread out rather
 * than bunched.
 */
export function weightedRoundRobin(): Balancer {
  const current = new WeakMap<Endpoint, number>();
  return {
    name: 'weighted-round-robin',
    pick(candidates) {
      let total = 0;
      let best: Endpoint | undefined;
      let bestCurrent = -Infinity;
      for (const e of candidates) {
        const w = e.instance.weight;
        const c = (current.get(e) ?? 0) + w;
        current.set(e, c);
        total += w;
        if (c > bestCurrent) {
          best = e;
          bestCurrent = c;
        }
      }
      current.set(best!, bestCurrent - total);
      return best!;
    },
  };
}

/** The candidate with the fewest calls in flight; ties go round robin. */
export function leastOutstanding(): Balancer {
  let start = 0;
  return {
    name: 'least-outstanding',
    pick(candidates) {
      const n = candidates.length;
      const offset = start++ % n;
      let best = candidates[offset]!;
      for (let k = 1; k < n; k++) {
        const e = candidates[(offset + k) % n]!;
        if (e.outstanding < best.outstanding) best = e;
      }
      return best;
    },
  };
}

/**
 * Power of two choices on peak-EWMA cost (latency × load): two distinct candidates at random,
 * the cheaper wins. Nearly as good as checking all, at O(1), and it never herds every client
 * onto the one instance that looked best a moment ago.
 */
export function powerOfTwoChoices(options: { random?: Random } = {}): Balancer {
  const random = options.random ?? Math.random;
  return {
    name: 'p2c-ewma',
    pick(candidates) {
      const n = candidates.length;
      if (n === 1) return candidates[0]!;
      const i = Math.floor(random() * n);
      let j = Math.floor(random() * (n - 1));
      if (j >= i) j++;
      const a = candidates[i]!;
      const b = candidates[j]!;
      return b.cost() < a.cost() ? b : a;
    },
  };
}
