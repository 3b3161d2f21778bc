import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilterPolicy, isValidFilterPolicy } from './filter-policy.js';

const matches = (policy: unknown, headers: Record<string, string>) => compileFilterPolicy(policy)(headers);

describe('filter policies', () => {
  it('matches exact strings and numbers', () => {
    assert.equal(matches({ store: ['a', 'b'] }, { store: 'b' }), true);
    assert.equal(matches({ store: ['a', 'b'] }, { store: 'c' }), false);
    assert.equal(matches({ store: ['a'] }, {}), false);
    assert.equal(matches({ n: [5] }, { n: '5.0' }), true);
    assert.equal(matches({ n: [5] }, { n: 'five' }), false);
  });

  it('needs every key (AND) and any rule of a key (OR)', () => {
    const p = { a: ['1'], b: ['2', '3'] };
    assert.equal(matches(p, { a: '1', b: '3' }), true);
    assert.equal(matches(p, { a: '1', b: '4' }), false);
    assert.equal(matches(p, { b: '2' }), false);
  });

  it('supports prefix, suffix and equals-ignore-case', () => {
    assert.equal(matches({ e: [{ prefix: 'order.' }] }, { e: 'order.created' }), true);
    assert.equal(matches({ e: [{ prefix: 'order.' }] }, { e: 'user.created' }), false);
    assert.equal(matches({ e: [{ suffix: '.created' }] }, { e: 'order.created' }), true);
    assert.equal(matches({ e: [{ 'equals-ignore-case': 'EU' }] }, { e: 'eu' }), true);
  });

  it('supports anything-but with values, numbers and a prefix; the header must be present', () => {
    assert.equal(matches({ t: [{ 'anything-but': ['free'] }] }, { t: 'pro' }), true);
    assert.equal(matches({ t: [{ 'anything-but': ['free'] }] }, { t: 'free' }), false);
    assert.equal(matches({ t: [{ 'anything-but': 'free' }] }, {}), false);
    assert.equal(matches({ n: [{ 'anything-but': [0] }] }, { n: '0.0' }), false);
    assert.equal(matches({ t: [{ 'anything-but': { prefix: 'tmp-' } }] }, { t: 'tmp-1' }), false);
    assert.equal(matches({ t: [{ 'anything-but': { prefix: 'tmp-' } }] }, { t: 'real' }), true);
  });

  it('compares numeric ranges, bounds included or not as written', () => {
    const p = { price: [{ numeric: ['>=', 10, '<', 20] }] };
    assert.equal(matches(p, { price: '10' }), true);
    assert.equal(matches(p, { price: '19.99' }), true);
    assert.equal(matches(p, { price: '20' }), false);
    assert.equal(matches(p, { price: '' }), false);
    assert.equal(matches(p, { price: 'abc' }), false);
    assert.equal(matches({ n: [{ numeric: ['=', 3] }] }, { n: '3' }), true);
  });

  it('tests presence with exists', () => {
    assert.equal(matches({ x: [{ exists: true }] }, { x: '' }), true);
    assert.equal(matches({ x: [{ exists: true }] }, {}), false);
    assert.equal(matches({ x: [{ exists: false }] }, {}), true);
    assert.equal(matches({ x: [{ exists: false }] }, { x: '1' }), false);
  });

  it('matches $or when any alternative matches, beside the other keys', () => {
    const p = { region: ['eu'], $or: [{ tier: ['gold'] }, { total: [{ numeric: ['>', 100] }] }] };
    assert.equal(matches(p, { region: 'eu', tier: 'gold' }), true);
    assert.equal(matches(p, { region: 'eu', total: '150' }), true);
    assert.equal(matches(p, { region: 'eu', total: '50' }), false);
    assert.equal(matches(p, { region: 'us', tier: 'gold' }), false);
  });

  it('ignores inherited properties of the headers object', () => {
    assert.equal(matches({ toString: [{ exists: true }] }, {}), false);
  });

  const bad: [string, unknown, RegExp][] = [
    ['not an object', ['a'], /must be a JSON object/],
    ['empty', {}, /at least one key/],
    ['value not an array', { a: 'x' }, /non-empty array/],
    ['empty array', { a: [] }, /non-empty array/],
    ['unknown operator', { a: [{ regex: '.*' }] }, /unknown operator/],
    ['two operators', { a: [{ prefix: 'x', suffix: 'y' }] }, /exactly one operator/],
    ['numeric malformed', { a: [{ numeric: ['>'] }] }, /\[op, number\]/],
    ['numeric bad op', { a: [{ numeric: ['~', 1] }] }, /operator must be/],
    ['numeric inverted range', { a: [{ numeric: ['>', 5, '<', 1] }] }, /low < high/],
    ['exists not boolean', { a: [{ exists: 'yes' }] }, /true or false/],
    ['prefix not string', { a: [{ prefix: 1 }] }, /must be a string/],
    ['$or with one alternative', { $or: [{ a: ['1'] }] }, /at least two/],
    ['infinite number', { a: [Infinity] }, /finite/],
    ['null rule', { a: [null] }, /string, a number or an object/],
  ];
  for (const [what, policy, message] of bad) {
    it(`refuses a policy with ${what}`, () => {
      assert.throws(() => compileFilterPolicy(policy), (err: Error & { code?: string }) => err.code === 'INVALID_FILTER_POLICY' && message.test(err.message));
      assert.equal(isValidFilterPolicy(policy), false);
    });
  }

  it('refuses $or nested too deep', () => {
    let p: unknown = { a: ['1'] };
    for (let i = 0; i < 6; i++) p = { $or: [p, { b: ['2'] }] };
    assert.throws(() => compileFilterPolicy(p), /nested deeper/);
  });
});
