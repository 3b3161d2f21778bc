import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LeaseTable, parseReceipt } from './leases.js';

test('LeaseTable remembers settled leases, but only the most recent 100,000', () => {
  const table = new LeaseTable(() => undefined);
  const receipts: string[] = [];
  const deadline = Date.now() + 60_000;
  for (let i = 0; i < 100_010; i++) {
    const { receipt, lease } = table.issue({ queue: 'jobs', streamSeq: i + 1, consumerSeq: i + 1, delivered: 1, reply: `r.${i}`, deadline }, 60_000);
    receipts.push(receipt);
    table.settle(lease, 'acked');
  }
  assert.equal(table.size, 100_000, 'settled leases are capped');
  const newest = table.find(parseReceipt('jobs', receipts.at(-1) as string));
  assert.equal(newest?.state, 'acked', 'a recent settled receipt is still known (a repeated ack is a no-op, a nack is refused)');
  assert.equal(table.find(parseReceipt('jobs', receipts[0] as string)), undefined, 'the oldest was forgotten');
  const { lease: active } = table.issue({ queue: 'jobs', streamSeq: 1e6, consumerSeq: 1e6, delivered: 1, reply: 'r.active', deadline }, 60_000);
  assert.equal(table.size, 100_001, 'active leases are kept apart from the cap');
  assert.throws(() => table.requireActive(newest as NonNullable<typeof newest>), { code: 'RECEIPT_EXPIRED' });
  table.requireActive(active);
  table.clear();
  assert.equal(table.size, 0);
});
