import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBody, encodeBody } from './body.js';
import { ManualClock } from './clock.js';
import { prepareEntries, resolveMessageLimits } from './prepare.js';
import { checkQueueName } from './validate.js';

const limits = resolveMessageLimits({ maxMessageBytes: 2048, maxBatch: 3 });
const clock = new ManualClock(Date.UTC(2026, 5, 1));

describe('preparing messages', () => {
  it('fills in a time-ordered id, a type and the timestamp', () => {
    const [a, b] = prepareEntries([{ body: 1 }, { body: 2 }], limits, clock);
    assert.match(a!.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(a!.id, b!.id);
    assert.equal(a!.type, 'message');
    assert.equal(a!.timestamp, clock.now());
  });

  it('counts body and header bytes against the limit', () => {
    assert.doesNotThrow(() => prepareEntries([{ body: 'x'.repeat(2000), headers: { h: 'y'.repeat(47) } }], limits, clock));
    assert.throws(() => prepareEntries([{ body: 'x'.repeat(2000), headers: { h: 'y'.repeat(48) } }], limits, clock), { code: 'MESSAGE_TOO_LARGE' });
    assert.throws(() => prepareEntries([{ body: 'é'.repeat(1025) }], limits, clock), { code: 'MESSAGE_TOO_LARGE' });
  });

  it('refuses empty and oversized batches and bodies JSON cannot hold', () => {
    assert.throws(() => prepareEntries([], limits, clock), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => prepareEntries([{ body: 1 }, { body: 2 }, { body: 3 }, { body: 4 }], limits, clock), { code: 'BATCH_TOO_LARGE' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => prepareEntries([{ body: cyclic as never }], limits, clock), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => prepareEntries([{ body: 1, delayMs: -1 }], limits, clock), { code: 'INVALID_ARGUMENT' });
  });

  it('round-trips JSON, text and bytes bodies', () => {
    for (const body of [{ a: [1, null, true] }, 'plain text', new Uint8Array([0, 255, 7]), 0, null]) {
      const e = encodeBody(body);
      assert.deepEqual(decodeBody(e.kind, e.data), body);
    }
  });

  it('limits options at construction', () => {
    assert.throws(() => resolveMessageLimits({ maxBatch: 0 }), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => resolveMessageLimits({ maxMessageBytes: 1.5 }), { code: 'INVALID_ARGUMENT' });
  });
});

describe('queue names', () => {
  it('follow the SQS rules, .fifo only on FIFO queues', () => {
    assert.equal(checkQueueName('orders-1_a'), 'orders-1_a');
    assert.equal(checkQueueName('pay.fifo', true), 'pay.fifo');
    for (const bad of ['', 'a b', 'x'.repeat(81), 'a.b', '.fifo', 7]) assert.throws(() => checkQueueName(bad), { code: 'INVALID_NAME' });
    assert.throws(() => checkQueueName('pay.fifo', false), { code: 'INVALID_NAME' });
    assert.throws(() => checkQueueName('pay', true), { code: 'INVALID_NAME' });
  });
});
