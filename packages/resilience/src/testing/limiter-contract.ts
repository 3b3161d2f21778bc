/**
 * Test helpers (not built): drive a limiter through random operations on a ManualClock, and
 * check the grants it made against its kind's contract, computed here from the grants alone.
 */
import type { ManualClock } from '@switchyard/core';
import fc from 'fast-check';
import type { RateLimiter } from '../ratelimit/limiter.js';

export type Contract =
  | { kind: 'fixed-window' | 'sliding-log' | 'sliding-counter'; limit: number; windowMs: number }
  | { kind: 'bucket'; burst: number; perMs: number };

export interface Grant {
  at: number;
  n: number;
}

export interface Op {
  dt: number;
  key: string;
  n: number;
  /** After a denial, wait the advertised retryAfterMs and ask again: it must then be granted. */
  retryOnDeny: boolean;
}

export function ops(maxN: number, maxDt: number): fc.Arbitrary<Op[]> {
  const op = fc.record({
    dt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: maxDt })),
    key: fc.constantFrom('a', 'b'),
    n: fc.integer({ min: 1, max: maxN }),
    retryOnDeny: fc.boolean(),
  });
  return fc.array(op, { minLength: 20, maxLength: 120 });
}

export interface Outcome {
  grants: Map<string, Grant[]>;
  denials: number;
  /** Denials whose advertised wait was not enough. */
  dishonest: string[];
}

export async function drive(limiter: RateLimiter, clock: ManualClock, script: Op[], keyPrefix = ''): Promise<Outcome> {
  const out: Outcome = { grants: new Map(), denials: 0, dishonest: [] };
  const grant = (key: string, n: number) => {
    const list = out.grants.get(key) ?? [];
    list.push({ at: clock.now(), n });
    out.grants.set(key, list);
  };
  for (const o of script) {
    await clock.advance(o.dt);
    const d = await limiter.tryAcquire(keyPrefix + o.key, o.n);
    if (d.allowed) {
      grant(o.key, o.n);
      continue;
    }
    out.denials++;
    if (!o.retryOnDeny) continue;
    await clock.advance(d.retryAfterMs);
    const again = await limiter.tryAcquire(keyPrefix + o.key, o.n);
    if (again.allowed) grant(o.key, o.n);
    else out.dishonest.push(`n=${o.n} denied again after waiting ${d.retryAfterMs} ms`);
  }
  return out;
}

/** The first way the grants break the contract, or undefined. */
export function violation(c: Contract, grants: Grant[]): string | undefined {
  const sum = (from: number, to: number) => grants.filter((g) => g.at >= from && g.at < to).reduce((s, g) => s + g.n, 0);
  if (c.kind === 'bucket') {
    for (const a of grants) {
      for (const b of grants) {
        if (b.at < a.at) continue;
        const got = grants.filter((g) => g.at >= a.at && g.at <= b.at).reduce((s, g) => s + g.n, 0);
        const cap = c.burst + (b.at - a.at) * c.perMs;
        if (got > cap + 1e-6) return `${got} granted in [${a.at}, ${b.at}], at most ${cap}`;
      }
    }
    return undefined;
  }
  const w = c.windowMs;
  for (const g of grants) {
    const start = Math.floor(g.at / w) * w;
    if (c.kind !== 'sliding-log' && sum(start, start + w) > c.limit) return `${sum(start, start + w)} granted in fixed window at ${start}, limit ${c.limit}`;
    const span = sum(g.at, g.at + w);
    const spanCap = c.kind === 'sliding-log' ? c.limit : c.kind === 'sliding-counter' ? 2 * c.limit : Infinity;
    if (span > spanCap) return `${span} granted in [${g.at}, ${g.at + w}), at most ${spanCap}`;
  }
  if (c.kind === 'sliding-counter') {
    // After each grant, the weighted estimate the scheme promises to keep within the limit.
    for (let i = 0; i < grants.length; i++) {
      const g = grants[i]!;
      const start = Math.floor(g.at / w) * w;
      const upTo = grants.slice(0, i + 1);
      const current = upTo.filter((x) => x.at >= start).reduce((s, x) => s + x.n, 0);
      const previous = upTo.filter((x) => x.at >= start - w && x.at < start).reduce((s, x) => s + x.n, 0);
      const estimate = (previous * (w - (g.at - start))) / w + current;
      if (estimate > c.limit + 1e-6) return `estimate ${estimate} after the grant at ${g.at}, limit ${c.limit}`;
    }
  }
  return undefined;
}
