import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runExample } from '../../../examples/order-service/main.js';
import { memoryLogger, tempDir } from './testing/harness.js';

test('the worked example: the order is published through the outbox and billed exactly once through the inbox', async () => {
  using dir = tempDir();
  const logger = memoryLogger();
  const r = await runExample(dir.path, logger);
  assert.deepEqual(r.orders, ['A-1001', 'A-1003'], 'the rolled-back order was not placed');
  assert.deepEqual(r.invoices, [
    { order_id: 'A-1001', amount_cents: 4200 },
    { order_id: 'A-1003', amount_cents: 1500 },
  ]);
  assert.equal(r.deliveries, 3, 'billing saw the copy of A-1001 and acked it without a second invoice');
  assert.ok(logger.lines.some((l) => l.msg === 'message handled' && typeof l.fields.correlationId === 'string'));
});
