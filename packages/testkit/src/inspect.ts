import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { ErrorCode, type PeekedMessage } from '@switchyard/core';
import { comparable, caseRunner, emptyStats, expectCode, expectEmpty, expectStats, ids, receiveOne, type ConformanceTarget } from './harness.js';

/** Stats, peek and purge: looking at a queue, and emptying it, for people and tools. */
export function inspectCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  void describe('stats, peek and purge', () => {
    test('stats count ready, leased and delayed messages', { needs: ['delays'] }, async ({ queue }) => {
      const q = await queue();
      await q.sendBatch([{ body: 1 }, { body: 2 }, { body: 3 }, { body: 4, delayMs: 60_000 }]);
      await expectStats(q, { ready: 3, leased: 0, delayed: 1, blocked: 0 });
      await q.receive({ max: 2 });
      await expectStats(q, { ready: 1, leased: 2, delayed: 1, blocked: 0 });
    });

    test('stats count FIFO messages waiting behind their group as blocked', { needs: ['fifo'] }, async ({ fifoQueue }) => {
      const q = await fifoQueue();
      await q.sendBatch([
        { body: 1, key: 'a' },
        { body: 2, key: 'a' },
        { body: 3, key: 'a' },
        { body: 4, key: 'b' },
      ]);
      await expectStats(q, { ready: 2, blocked: 2, leased: 0 });
      await q.receive({ max: 10 });
      await expectStats(q, { ready: 0, blocked: 2, leased: 2 });
    });

    test('oldestAgeMs grows with the clock and counts leased messages', { needs: ['injectedClock'] }, async ({ queue, clock }) => {
      const q = await queue();
      await q.send({ body: 'old' });
      await expectStats(q, { oldestAgeMs: 0 });
      await clock.advance(5_000);
      await q.send({ body: 'new' });
      await expectStats(q, { oldestAgeMs: 5_000 });
      await q.receive({ max: 2 });
      await clock.advance(1_000);
      await expectStats(q, { oldestAgeMs: 6_000, leased: 2 });
    });

    test('peek shows messages in delivery order without leasing them', { needs: ['peek'] }, async ({ queue }) => {
      const q = await queue();
      await q.sendBatch([{ id: 'p1', body: 1, headers: { h: '1' } }, { id: 'p2', body: 'two' }, { id: 'p3', body: new Uint8Array([3]) }]);
      const { messages, next } = await q.peek({ max: 10 });
      assert.equal(next, undefined, 'a single page has no next cursor');
      assert.deepEqual(ids(messages).sort(), ['p1', 'p2', 'p3']);
      for (const m of messages) {
        assert.equal(m.state, 'ready');
        assert.equal(m.receives, 0);
        assert.equal(m.queue, q.name);
      }
      const p1 = messages.find((m) => m.id === 'p1');
      assert.deepEqual(p1?.headers, { h: '1' });
      assert.equal(p1?.body, 1);
      assert.equal(messages.find((m) => m.id === 'p2')?.body, 'two');
      await expectStats(q, { ready: 3, leased: 0 });
      const received = await q.receive({ max: 10 });
      assert.deepEqual(ids(received), ids(messages), 'peek order is not the delivery order');
      for (const d of received) assert.equal(d.attempt, 1, `${d.id}: peeking counted as a receive`);
    });

    test('peek pages through a queue with the next cursor', { needs: ['peek'] }, async ({ queue }) => {
      const q = await queue();
      await q.sendBatch(['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, body: id })));
      const seen: PeekedMessage[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await q.peek(cursor === undefined ? { max: 2 } : { max: 2, cursor });
        assert.ok(page.messages.length <= 2);
        seen.push(...page.messages);
        cursor = page.next;
        pages++;
      } while (cursor !== undefined && pages < 10);
      assert.equal(cursor, undefined, 'peek never reached the last page');
      assert.deepEqual(ids(seen).sort(), ['a', 'b', 'c', 'd', 'e']);
      assert.equal(new Set(ids(seen)).size, 5, 'a message appeared on two pages');
      assert.equal(pages, 3);
    });

    test('peek reports each message state and receive count', { needs: ['peek', 'delays'] }, async ({ queue }) => {
      const q = await queue();
      await q.send({ id: 'leased', body: 1 });
      const d = await receiveOne(q);
      await q.nack(d);
      await receiveOne(q);
      await q.sendBatch([
        { id: 'ready', body: 2 },
        { id: 'delayed', body: 3, delayMs: 60_000 },
      ]);
      const { messages } = await q.peek({ max: 10 });
      const byId = new Map(messages.map((m) => [m.id, m]));
      assert.equal(byId.size, 3);
      assert.equal(byId.get('leased')?.state, 'leased');
      assert.equal(byId.get('leased')?.receives, 2);
      assert.equal(byId.get('ready')?.state, 'ready');
      assert.equal(byId.get('ready')?.receives, 0);
      assert.equal(byId.get('delayed')?.state, 'delayed');
      await expectStats(q, { ready: 1, leased: 1, delayed: 1 });
    });

    test('peek reports FIFO messages behind their group as blocked', { needs: ['peek', 'fifo'] }, async ({ fifoQueue }) => {
      const q = await fifoQueue();
      await q.sendBatch([
        { id: 'a1', body: 1, key: 'a' },
        { id: 'a2', body: 2, key: 'a' },
      ]);
      await receiveOne(q);
      const { messages } = await q.peek({ max: 10 });
      const byId = new Map(messages.map((m) => [m.id, m]));
      assert.equal(byId.get('a1')?.state, 'leased');
      assert.equal(byId.get('a2')?.state, 'blocked');
      assert.equal(byId.get('a2')?.visibleAt, undefined, 'a blocked message has no visibleAt');
    });

    test('purge deletes every message, leased or not, and returns how many', async ({ queue }) => {
      const q = await queue();
      await q.sendBatch([{ body: 1 }, { body: 2 }, { body: 3 }]);
      await q.receive();
      assert.equal(await q.purge(), 3);
      await expectEmpty(q);
      await expectStats(q, { oldestAgeMs: 0 });
      assert.deepEqual(await q.receive({ max: 10 }), []);
      assert.equal(await q.purge(), 0);
    });

    test("acking a purged message's receipt is harmless", async ({ queue }) => {
      const q = await queue();
      await q.send({ body: 1 });
      const d = await receiveOne(q);
      await q.purge();
      await q.ack(d);
      await expectEmpty(q);
    });

    test('a purged message cannot be nacked back or extended: its lease has ended with it', async ({ queue }) => {
      const q = await queue({ visibilityTimeoutMs: 60_000 });
      await q.sendBatch([
        { id: 'a', body: 1 },
        { id: 'b', body: 2 },
      ]);
      const [a, b] = await q.receive({ max: 2 });
      assert.ok(a && b);
      assert.equal(await q.purge(), 2);
      await expectCode(() => q.nack(a), ErrorCode.ReceiptExpired, 'nack');
      await expectCode(() => q.extend(b, 30_000), ErrorCode.ReceiptExpired, 'extend');
      await expectEmpty(q);
      assert.deepEqual(await q.receive({ max: 10 }), []);
    });

    test('after a purge, receives with no wait on the empty queue answer at once, and a new message comes through', async ({ queue }) => {
      const q = await queue();
      await q.sendBatch([{ body: 1 }, { body: 2 }, { body: 3 }]);
      await q.receive();
      await q.purge();
      // Three, so that an engine whose receives hang after a purge (NATS did, 5 s each) fails
      // on the case's watchdog rather than passing slowly.
      for (let i = 0; i < 3; i++) assert.deepEqual(await q.receive({ max: 5 }), []);
      await q.send({ id: 'after', body: 4 });
      assert.deepEqual(ids(await q.receive({ max: 5 })), ['after']);
    });

    test('purge leaves other queues alone', async ({ queue }) => {
      const a = await queue({}, 'a');
      const b = await queue({}, 'b');
      await a.send({ body: 1 });
      await b.send({ body: 2 });
      await a.purge();
      await expectStats(b, { ready: 1 });
      assert.deepEqual(comparable({ ...(await a.stats()) }), comparable(emptyStats));
    });
  });
}
