import { InvalidFilterPolicyError } from './errors.js';
import type { Headers } from './message.js';

/**
 * Header filter policies, shaped like Amazon SNS attribute filter policies:
 *
 *   { "store": ["shop-1", "shop-2"],              exact values (any of)
 *     "price": [{ "numeric": [">=", 10, "<", 20] }],
 *     "event": [{ "prefix": "order." }],
 *     "tier":  [{ "anything-but": ["free"] }],
 *     "trace": [{ "exists": true }],
 *     "$or":   [{ "a": ["1"] }, { "b": ["2"] }] }
 *
 * Every key must match (AND); within a key's list any rule may match (OR); `$or` holds
 * alternative policies of which at least one must match. A rule other than `exists: false`
 * needs the header to be present. Numbers compare against the header parsed as a number.
 */
export type FilterPolicy = { [header: string]: FilterRule[] | FilterPolicy[] };

export type FilterRule =
  | string
  | number
  | { prefix: string }
  | { suffix: string }
  | { 'equals-ignore-case': string }
  | { 'anything-but': string | number | (string | number)[] | { prefix: string } }
  | { numeric: (string | number)[] }
  | { exists: boolean };

export type HeaderMatcher = (headers: Headers) => boolean;

const limits = { keys: 64, values: 256, depth: 4 } as const;
const numericOps = new Set(['=', '<', '<=', '>', '>=']);

/** Checks a policy and turns it into a matcher; throws InvalidFilterPolicyError on any flaw. */
export function compileFilterPolicy(policy: unknown): HeaderMatcher {
  const counter = { values: 0 };
  return compilePolicy(policy, '$', 0, counter);
}

/** True when the policy is valid. */
export function isValidFilterPolicy(policy: unknown): policy is FilterPolicy {
  try {
    compileFilterPolicy(policy);
    return true;
  } catch {
    return false;
  }
}

function compilePolicy(policy: unknown, path: string, depth: number, counter: { values: number }): HeaderMatcher {
  if (!isPlainObject(policy)) throw new InvalidFilterPolicyError(path, 'a policy must be a JSON object');
  const entries = Object.entries(policy);
  if (entries.length === 0) throw new InvalidFilterPolicyError(path, 'a policy needs at least one key');
  if (entries.length > limits.keys) throw new InvalidFilterPolicyError(path, `more than ${limits.keys} keys`);
  const parts: HeaderMatcher[] = [];
  for (const [key, value] of entries) {
    const at = `${path}.${key}`;
    if (!Array.isArray(value) || value.length === 0) {
      throw new InvalidFilterPolicyError(at, 'must be a non-empty array');
    }
    if (key === '$or') {
      if (depth >= limits.depth) throw new InvalidFilterPolicyError(at, `$or nested deeper than ${limits.depth}`);
      if (value.length < 2) throw new InvalidFilterPolicyError(at, '$or needs at least two alternatives');
      const alternatives = value.map((p, i) => compilePolicy(p, `${at}[${i}]`, depth + 1, counter));
      parts.push((h) => alternatives.some((m) => m(h)));
      continue;
    }
    if (key.length === 0) throw new InvalidFilterPolicyError(at, 'header names must not be empty');
    const rules = value.map((r, i) => compileRule(r, `${at}[${i}]`, counter));
    parts.push((h) => {
      const v = Object.hasOwn(h, key) ? h[key] : undefined;
      return rules.some((rule) => rule(v));
    });
  }
  return (h) => parts.every((m) => m(h));
}

type ValueMatcher = (value: string | undefined) => boolean;

function compileRule(rule: unknown, path: string, counter: { values: number }): ValueMatcher {
  if (++counter.values > limits.values) throw new InvalidFilterPolicyError(path, `more than ${limits.values} rules in all`);
  if (typeof rule === 'string') return (v) => v === rule;
  if (typeof rule === 'number') {
    if (!Number.isFinite(rule)) throw new InvalidFilterPolicyError(path, 'numbers must be finite');
    return (v) => v !== undefined && toNumber(v) === rule;
  }
  if (!isPlainObject(rule)) throw new InvalidFilterPolicyError(path, 'a rule is a string, a number or an object');
  const keys = Object.keys(rule);
  if (keys.length !== 1) throw new InvalidFilterPolicyError(path, 'a rule object has exactly one operator');
  const op = keys[0] as string;
  const arg: unknown = rule[op];
  switch (op) {
    case 'prefix': {
      const s = needString(arg, `${path}.prefix`);
      return (v) => v !== undefined && v.startsWith(s);
    }
    case 'suffix': {
      const s = needString(arg, `${path}.suffix`);
      return (v) => v !== undefined && v.endsWith(s);
    }
    case 'equals-ignore-case': {
      const s = needString(arg, `${path}.equals-ignore-case`).toLowerCase();
      return (v) => v !== undefined && v.toLowerCase() === s;
    }
    case 'exists': {
      if (typeof arg !== 'boolean') throw new InvalidFilterPolicyError(`${path}.exists`, 'must be true or false');
      return (v) => (v !== undefined) === arg;
    }
    case 'numeric':
      return compileNumeric(arg, `${path}.numeric`);
    case 'anything-but':
      return compileAnythingBut(arg, `${path}.anything-but`);
    default:
      throw new InvalidFilterPolicyError(path, `unknown operator ${JSON.stringify(op)}`);
  }
}

function compileAnythingBut(arg: unknown, path: string): ValueMatcher {
  if (isPlainObject(arg)) {
    const keys = Object.keys(arg);
    if (keys.length !== 1 || keys[0] !== 'prefix') throw new InvalidFilterPolicyError(path, 'only { "prefix": "..." } may be nested');
    const s = needString(arg.prefix, `${path}.prefix`);
    return (v) => v !== undefined && !v.startsWith(s);
  }
  const list = Array.isArray(arg) ? arg : [arg];
  if (list.length === 0) throw new InvalidFilterPolicyError(path, 'needs at least one value');
  const strings = new Set<string>();
  const numbers = new Set<number>();
  for (const [i, item] of list.entries()) {
    if (typeof item === 'string') strings.add(item);
    else if (typeof item === 'number' && Number.isFinite(item)) numbers.add(item);
    else throw new InvalidFilterPolicyError(`${path}[${i}]`, 'must be a string or a finite number');
  }
  return (v) => v !== undefined && !strings.has(v) && !(numbers.size > 0 && numbers.has(toNumber(v)));
}

function compileNumeric(arg: unknown, path: string): ValueMatcher {
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) {
    throw new InvalidFilterPolicyError(path, 'must be [op, number] or [op, number, op, number]');
  }
  const tests: ((n: number) => boolean)[] = [];
  for (let i = 0; i < arg.length; i += 2) {
    const op: unknown = arg[i];
    const bound: unknown = arg[i + 1];
    if (typeof op !== 'string' || !numericOps.has(op)) {
      throw new InvalidFilterPolicyError(`${path}[${i}]`, `operator must be one of ${[...numericOps].join(' ')}`);
    }
    if (typeof bound !== 'number' || !Number.isFinite(bound)) {
      throw new InvalidFilterPolicyError(`${path}[${i + 1}]`, 'must be a finite number');
    }
    tests.push(numericTest(op, bound));
  }
  if (arg.length === 4) {
    const [lowOp, low, highOp, high] = arg as [string, number, string, number];
    if (!lowOp.startsWith('>') || !highOp.startsWith('<') || low >= high) {
      throw new InvalidFilterPolicyError(path, 'a range is [">" or ">=", low, "<" or "<=", high] with low < high');
    }
  }
  return (v) => {
    if (v === undefined) return false;
    const n = toNumber(v);
    return !Number.isNaN(n) && tests.every((t) => t(n));
  };
}

function numericTest(op: string, bound: number): (n: number) => boolean {
  switch (op) {
    case '=':
      return (n) => n === bound;
    case '<':
      return (n) => n < bound;
    case '<=':
      return (n) => n <= bound;
    case '>':
      return (n) => n > bound;
    default:
      return (n) => n >= bound;
  }
}

function toNumber(v: string): number {
  return v.trim() === '' ? Number.NaN : Number(v);
}

function needString(arg: unknown, path: string): string {
  if (typeof arg !== 'string') throw new InvalidFilterPolicyError(path, 'must be a string');
  return arg;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
