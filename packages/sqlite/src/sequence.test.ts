import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSequence } from './sequence.js';

describe('sequence numbers', () => {
  it('are twenty digits, so text order is number order', () => {
    assert.equal(formatSequence(1), '00000000000000000001');
    assert.equal(formatSequence(1234567), '00000000000001234567');
    assert.equal(formatSequence(Number.MAX_SAFE_INTEGER), '00009007199254740991');
    const seqs = [0, 9, 10, 99, 100, 65_535, 2 ** 32, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER];
    const texts = seqs.map(formatSequence);
    assert.deepEqual([...texts].sort(), texts);
    for (const t of texts) assert.equal(t.length, 20);
  });
});
