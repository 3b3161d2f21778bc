import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '@switchyard/core';
import { formatReceipt, parseReceipt, receiptsOf } from './receipt.js';

describe('sqlite receipts', () => {
  it('round-trip queue, seq and lease token, one lease formatting many messages', () => {
    const lease = 2 ** 48 - 1;
    const ofLease = receiptsOf(7, lease);
    for (const seq of [1, 35, 36, 123_456_789, Number.MAX_SAFE_INTEGER]) {
      assert.equal(ofLease(seq), formatReceipt({ queueId: 7, seq, lease }));
      assert.deepEqual(parseReceipt(ofLease(seq)), { queueId: 7, seq, lease });
    }
    assert.equal(formatReceipt({ queueId: 1, seq: 36, lease: 35 }), '1.10.z');
  });

  it('refuses anything it did not issue', () => {
    const bad = ['', '1.2', '1.2.3.4', '1..3', '.1.2', '1.2.', 'A.2.3', '1.2.3 ', '1.-2.3', '1.2.zzzzzzzzzzzz', '1.2.zzzzzzzzzzz', 'x'.repeat(40), 42 as unknown as string];
    for (const text of bad) {
      assert.throws(() => parseReceipt(text), (e: { code?: string }) => e.code === ErrorCode.InvalidReceipt, String(text));
    }
  });
});
