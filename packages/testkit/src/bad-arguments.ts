import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { ErrorCode, type Queue, type QueueStats } from '@switchyard/core';
import { comparable, caseRunner, expectCode, receiveOne, uniqueName, type ConformanceTarget } from './harness.js';

const fifteenMinutes = 15 * 60_000;
const twelveHours = 12 * 3600_000;

/** Runs `refusals`, each expected to fail with INVALID_ARGUMENT, and checks the stats did not move. */
async function expectRefusedArguments(q: Queue, refusals: Record<string, () => unknown>): Promise<void> {
  const before: QueueStats = await q.stats();
  for (const [what, call] of Object.entries(refusals)) await expectCode(call, ErrorCode.InvalidArgument, what);
  assert.deepEqual(comparable(await q.stats()), comparable(before), 'a refused call changed the queue');
}

/** Out-of-range and malformed arguments: INVALID_ARGUMENT, and nothing stored or changed. */
export function badArgumentCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  void describe('bad input: arguments', () => {
    test('sending an empty batch, a message without a body, or a bad delay is refused with INVALID_ARGUMENT', async ({ queue }) => {
      const q = await queue();
      await q.send({ body: 'existing' });
      await expectRefusedArguments(q, {
        'empty batch': () => q.sendBatch([]),
        'missing body': () => q.send({} as never),
        'negative delay': () => q.send({ body: 'x', delayMs: -1 }),
        'delay over 15 min': () => q.send({ body: 'x', delayMs: fifteenMinutes + 1 }),
        'fractional delay': () => q.send({ body: 'x', delayMs: 1.5 }),
        'bad delay in a batch': () => q.sendBatch([{ body: 'ok' }, { body: 'x', delayMs: -5 }]),
        'empty id': () => q.send({ id: '', body: 'x' }),
        'negative timestamp': () => q.send({ body: 'x', timestamp: -1 }),
        'unserialisable body': () => q.send({ body: { n: 10n } as never }),
      });
    });

    test('non-string header values and malformed header names are refused with INVALID_ARGUMENT', async ({ queue }) => {
      const q = await queue();
      await expectRefusedArguments(q, {
        'number value': () => q.send({ body: 'x', headers: { n: 1 as never } }),
        'null value': () => q.send({ body: 'x', headers: { n: null as never } }),
        'object value': () => q.send({ body: 'x', headers: { n: {} as never } }),
        'name with a space': () => q.send({ body: 'x', headers: { 'a b': 'x' } }),
        'in a batch': () => q.sendBatch([{ body: 'ok' }, { body: 'x', headers: { n: true as never } }]),
      });
    });

    test('receive with max 0, a wait over 60 s or a visibility over 12 h is refused with INVALID_ARGUMENT', async ({ queue }) => {
      const q = await queue();
      await q.send({ body: 'x' });
      await expectRefusedArguments(q, {
        'max 0': () => q.receive({ max: 0 }),
        'negative max': () => q.receive({ max: -1 }),
        'wait over 60 s': () => q.receive({ waitMs: 60_001 }),
        'negative wait': () => q.receive({ waitMs: -1 }),
        'visibility over 12 h': () => q.receive({ visibilityMs: twelveHours + 1 }),
        'negative visibility': () => q.receive({ visibilityMs: -1 }),
      });
    });

    test('nack and extend with out-of-range times are refused with INVALID_ARGUMENT and the lease is kept', async ({ queue }) => {
      const q = await queue();
      await q.send({ body: 'x' });
      const d = await receiveOne(q);
      await expectRefusedArguments(q, {
        'nack negative delay': () => q.nack(d, { delayMs: -1 }),
        'nack delay over 12 h': () => q.nack(d, { delayMs: twelveHours + 1 }),
        'extend over 12 h': () => q.extend(d, twelveHours + 1),
        'extend negative': () => q.extend(d, -1),
        'empty receipt': () => q.ack(''),
      });
      await q.ack(d);
    });

    test('queue settings out of range are refused with INVALID_ARGUMENT and create nothing', async ({ broker }) => {
      const name = uniqueName();
      const bad: Record<string, object> = {
        'visibility over 12 h': { visibilityTimeoutMs: twelveHours + 1 },
        'delay over 15 min': { delayMs: fifteenMinutes + 1 },
        'retention under 60 s': { retentionMs: 59_999 },
        'retention over 14 days': { retentionMs: 14 * 24 * 3600_000 + 1 },
        'maxReceives 0': { deadLetter: { queue: uniqueName('dlq'), maxReceives: 0 } },
        'own dead-letter queue': { deadLetter: { queue: name, maxReceives: 3 } },
        'unknown setting': { visibility: 10 },
        'dedup window under 1 s': { dedupWindowMs: 999 },
      };
      for (const [what, options] of Object.entries(bad)) {
        await expectCode(() => broker.createQueue(name, options), ErrorCode.InvalidArgument, what);
      }
      assert.deepEqual(await broker.listQueues(), []);
    });

    test('updating a queue with bad settings is refused with INVALID_ARGUMENT and changes nothing', async ({ queue }) => {
      const q = await queue({ visibilityTimeoutMs: 10_000 });
      const before = await q.info();
      await expectCode(() => q.update({ visibilityTimeoutMs: -1 }), ErrorCode.InvalidArgument, 'negative visibility');
      await expectCode(() => q.update({ fifo: true }), ErrorCode.InvalidArgument, 'fifo cannot change');
      await expectCode(() => q.update({ retentionMs: 1 }), ErrorCode.InvalidArgument, 'retention too short');
      assert.deepEqual(await q.info(), before);
    });

    test('options that are not objects, and names and prefixes that are not strings, are refused with a typed error', async ({ broker, queue }) => {
      const q = await queue();
      await q.send({ body: 'x' });
      const d = await receiveOne(q);
      await expectRefusedArguments(q, {
        'receive(null)': () => q.receive(null as never),
        'receive([])': () => q.receive([] as never),
        'peek(null)': () => q.peek(null as never),
        'nack with null options': () => q.nack(d, null as never),
        'nack with a string for options': () => q.nack(d, 'soon' as never),
        'redrive(null)': () => q.redrive(null as never),
        'createQueue with null options': () => broker.createQueue(uniqueName(), null as never),
        'listQueues(5)': () => broker.listQueues(5 as never),
        'listTopics({})': () => broker.listTopics({} as never),
      });
      await expectCode(() => broker.createQueue(42 as never), ErrorCode.InvalidName, 'createQueue(42)');
      await expectCode(() => broker.createQueue(null as never), ErrorCode.InvalidName, 'createQueue(null)');
      if (broker.features.topics.supported) {
        const topic = await broker.createTopic(uniqueName('t'));
        await expectCode(() => topic.subscribe(q.name, null as never), ErrorCode.InvalidArgument, 'subscribe with null options');
        assert.deepEqual(await topic.subscriptions(), []);
      }
      await q.ack(d);
    });

    test('a receipt whose lease has ended is refused with RECEIPT_EXPIRED', async ({ queue }) => {
      const q = await queue();
      await q.send({ body: 'x' });
      const stale = await receiveOne(q);
      await q.nack(stale);
      const fresh = await receiveOne(q);
      const before = await q.stats();
      await expectCode(() => q.ack(stale), ErrorCode.ReceiptExpired, 'ack');
      await expectCode(() => q.nack(stale), ErrorCode.ReceiptExpired, 'nack');
      await expectCode(() => q.extend(stale, 1_000), ErrorCode.ReceiptExpired, 'extend');
      assert.deepEqual(comparable(await q.stats()), comparable(before));
      await q.ack(fresh);
    });
  });
}
