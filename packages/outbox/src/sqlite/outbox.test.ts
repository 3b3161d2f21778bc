import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Broker, settle, type EnqueueEntry, type Engine } from '@switchyard/core';
import Database from 'better-sqlite3';
import { NotInTransactionError } from '../errors.js';
import { OutboxRelay } from '../relay.js';
import type { ClaimedRow, OutboxStore } from '../store.js';
import type { SentEvent } from '../relay-options.js';
import { Collector, eventually, memoryLogger, peekAll, tempDir, testBroker } from '../testing/harness.js';
import { SqliteOutbox } from './outbox.js';

/** The same engine behind a broker whose enqueue can be made to fail or be watched. */
function intercepted(broker: Broker, before: (queue: string, entries: readonly EnqueueEntry[]) => void): Broker {
  const e = broker.engine;
  const engine: Engine = {
    name: e.name,
    features: e.features,
    topics: e.topics,
    admin: e.admin,
    queues: {
      ...e.queues,
      enqueue: async (queue, entries) => {
        before(queue, entries);
        return e.queues.enqueue(queue, entries);
      },
    },
    close: () => e.close(),
  } as Engine;
  return new Broker(engine, { clock: broker.clock });
}

function openDb(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, total INTEGER NOT NULL)');
  return db;
}

describe('SqliteOutbox', () => {
  test('a message is stored if and only if its transaction commits, and is woken out at commit', async () => {
    using dir = tempDir();
    await using t = await testBroker();
    await t.broker.createQueue('orders');
    const db = openDb(dir.file('app.db'));
    const outbox = new SqliteOutbox(db, { clock: t.clock });
    await using _relay = outbox.relay(t.broker, { logger: memoryLogger() });
    const place = db.transaction((id: string, total: number, fail: boolean) => {
      db.prepare('INSERT INTO orders (id, total) VALUES (?, ?)').run(id, total);
      outbox.add({ queue: 'orders', type: 'order.created', body: { id, total }, key: id, headers: { region: 'eu' } });
      if (fail) throw new Error('payment declined');
    });
    place('A-1', 42, false);
    assert.throws(() => place('A-2', 7, true), /payment declined/);
    // No clock advance: only the commit signal can have woken the relay.
    await eventually(async () => (await t.broker.queue('orders').stats()).ready === 1, 'delivered');
    const [m] = await peekAll(t.broker, 'orders');
    assert.equal(m?.type, 'order.created');
    assert.deepEqual(m?.body, { id: 'A-1', total: 42 });
    assert.equal(m?.key, 'A-1');
    assert.equal(m?.headers.region, 'eu');
    await eventually(async () => (await outbox.stats()).pending === 0, 'marked');
    assert.equal((db.prepare('SELECT count(*) AS n FROM orders').get() as { n: number }).n, 1);
    db.close();
  });

  test('a relay sharing the handle waits for a transaction held open across awaits', async () => {
    using dir = tempDir();
    await using t = await testBroker();
    await t.broker.createQueue('orders');
    const db = openDb(dir.file('app.db'));
    const outbox = new SqliteOutbox(db, { clock: t.clock });
    const sent = new Collector<SentEvent>();
    await using _relay = outbox.relay(t.broker, { logger: memoryLogger(), onSent: (e) => sent.push(e) });
    db.exec('BEGIN');
    outbox.add({ queue: 'orders', body: 'rolled back' });
    await settle(5); // the relay is woken meanwhile and must not join this transaction
    db.exec('ROLLBACK');
    db.exec('BEGIN');
    outbox.add({ queue: 'orders', body: 'committed' });
    await settle(5);
    db.exec('COMMIT');
    await sent.until((e) => e.length === 1);
    assert.deepEqual((await peekAll(t.broker, 'orders')).map((m) => m.body), ['committed']);
    db.close();
  });

  test('add outside a transaction is refused and writes nothing', async () => {
    using dir = tempDir();
    const db = openDb(dir.file('app.db'));
    const outbox = new SqliteOutbox(db);
    assert.throws(() => outbox.add({ queue: 'orders', body: 1 }), NotInTransactionError);
    assert.throws(() => outbox.add({ queue: 'orders', body: 1 }), { code: 'NOT_IN_TRANSACTION', message: 'outbox.add must run inside the database transaction that makes the business change' });
    assert.equal((await outbox.stats()).pending, 0);
    db.transaction(() => {
      assert.throws(() => outbox.add({ body: 1 } as never), { message: 'message: needs exactly one of "queue" or "topic"' });
      assert.throws(() => outbox.add({ queue: 'bad name', body: 1 }), { code: 'INVALID_NAME' });
      assert.throws(() => outbox.add({ queue: 'q', body: 'x'.repeat(300_000) }), { code: 'MESSAGE_TOO_LARGE' });
    })();
    assert.throws(() => new SqliteOutbox(db, { table: 'drop table' }), { message: 'table: must be a letter or "_" followed by up to 50 letters, digits or "_", got "drop table"' });
    db.close();
  });

  test('the relay keeps per-key order through broker failures, retrying with a delay', async () => {
    using dir = tempDir();
    await using t = await testBroker();
    await t.broker.createQueue('events');
    let failures = 2;
    const flaky = intercepted(t.broker, () => {
      if (failures > 0 && failures--) throw new Error('broker unavailable');
    });
    const db = openDb(dir.file('app.db'));
    const outbox = new SqliteOutbox(db, { clock: t.clock });
    const logger = memoryLogger();
    await using _relay = outbox.relay(flaky, { batchSize: 7, retryDelayMs: 1000, logger });
    const keys = ['a', 'b', 'c'];
    db.transaction(() => {
      for (let i = 0; i < 30; i++) outbox.add({ queue: 'events', body: i, key: keys[i % 3] as string });
    })();
    await eventually(() => logger.lines.filter((l) => l.msg.includes('refused')).length === 1, 'first failure');
    assert.equal((await t.broker.queue('events').stats()).ready, 0);
    await t.clock.advance(1000);
    await eventually(() => logger.lines.filter((l) => l.msg.includes('refused')).length === 2, 'second failure');
    await t.clock.advance(2000); // the delay doubled
    await eventually(async () => (await t.broker.queue('events').stats()).ready === 30, 'all delivered');
    const delivered = await peekAll(t.broker, 'events');
    for (const key of keys) {
      const bodies = delivered.filter((m) => m.key === key).map((m) => m.body as number);
      assert.deepEqual(bodies, [...bodies].sort((x, y) => x - y), `key ${key} in order`);
      assert.equal(bodies.length, 10);
    }
    assert.equal(new Set(delivered.map((m) => m.id)).size, 30, 'no duplicates without crashes');
    db.close();
  });

  test('a claim never takes a row leased by another relay, nor overtakes an earlier row of its key', async () => {
    using dir = tempDir();
    const db = openDb(dir.file('app.db'));
    let now = 1_000_000;
    const outbox = new SqliteOutbox(db, { clock: { now: () => now, setTimer: () => ({ cancel: () => undefined }) } });
    db.transaction(() => {
      for (const [key, body] of [['k', 'k1'], ['k', 'k2'], ['j', 'j1'], ['k', 'k3'], ['j', 'j2']] as const) outbox.add({ queue: 'q', key, body });
    })();
    const bodies = (rows: ClaimedRow[]) => rows.map((r) => new TextDecoder().decode(r.body));
    const a = await outbox.store.claim('relay-a', now, 10_000, 1);
    assert.deepEqual(bodies(a), ['k1']);
    const b = await outbox.store.claim('relay-b', now, 10_000, 10);
    assert.deepEqual(bodies(b), ['j1', 'j2'], 'k2 and k3 wait behind k1, held by relay A');
    assert.deepEqual(await outbox.store.claim('relay-c', now, 10_000, 10), [], 'nothing is claimed twice');
    await outbox.store.release('relay-a', [a[0]?.seq as number], now + 5000, 'refused');
    await outbox.store.markSent(b.map((r) => r.seq), now);
    assert.deepEqual(await outbox.store.claim('relay-c', now, 10_000, 10), [], 'k1 waits out its retry delay, and k2, k3 behind it');
    now += 5000;
    const c = await outbox.store.claim('relay-c', now, 10_000, 10);
    assert.deepEqual(bodies(c), ['k1', 'k2', 'k3']);
    assert.deepEqual(c.map((r) => r.attempts), [2, 1, 1]);
    now += 10_000;
    assert.deepEqual(bodies(await outbox.store.claim('relay-d', now, 10_000, 10)), ['k1', 'k2', 'k3'], 'an ended lease frees the rows');
    db.close();
  });

  test('several relays on one file, each on its own connection, deliver every row exactly once', async () => {
    using dir = tempDir();
    await using t = await testBroker();
    await t.broker.createQueue('shared');
    const sent: string[] = [];
    const watched = intercepted(t.broker, (_q, entries) => void sent.push(...entries.map((e) => e.id)));
    const path = dir.file('app.db');
    const dbs = [openDb(path), openDb(path), openDb(path)];
    const outboxes = dbs.map((db) => new SqliteOutbox(db, { clock: t.clock }));
    const writer = dbs[0] as Database.Database;
    const write = (i: number) =>
      writer.transaction(() => {
        for (let j = 0; j < 25; j++) outboxes[0]?.add({ queue: 'shared', body: i * 25 + j, key: `k${(i * 25 + j) % 50}` });
      })();
    for (let i = 0; i < 10; i++) write(i);
    const perRelay = [0, 0, 0];
    const relays = outboxes.map((o, n) =>
      o.relay(watched, { batchSize: 16, sweepIntervalMs: 50, logger: memoryLogger(), onSent: (e) => void (perRelay[n] = (perRelay[n] ?? 0) + e.messages.length) }),
    );
    for (let i = 10; i < 20; i++) {
      write(i);
      await t.clock.advance(50); // sweeps: the relays on the other connections find what the writer committed
    }
    for (let i = 0; i < 40 && (await outboxes[0]?.stats())?.pending !== 0; i++) await t.clock.advance(50);
    await eventually(async () => (await t.broker.queue('shared').stats()).ready === 500, 'all 500 delivered');
    assert.equal(sent.length, 500, 'no row was sent twice');
    assert.equal(new Set(sent).size, 500);
    assert.ok(perRelay.every((n) => n > 0), `every relay took part: ${perRelay.join(', ')}`);
    const delivered = await peekAll(t.broker, 'shared');
    for (let k = 0; k < 50; k++) {
      const bodies = delivered.filter((m) => m.key === `k${k}`).map((m) => m.body as number);
      assert.deepEqual(bodies, [...bodies].sort((x, y) => x - y), `key k${k} in order`);
    }
    await Promise.all(relays.map((r) => r.close()));
    for (const db of dbs) db.close();
  });

  test('a relay that dies after the broker accepted and before marking leaves the rows to be sent again, same ids', async () => {
    using dir = tempDir();
    await using t = await testBroker();
    await t.broker.createQueue('q');
    const db = openDb(dir.file('app.db'));
    const outbox = new SqliteOutbox(db, { clock: t.clock });
    db.transaction(() => outbox.addBatch([{ queue: 'q', body: 1 }, { queue: 'q', body: 2 }]))();
    // The first relay's marks never reach the database, as if it were killed right after the send.
    const store = outbox.store;
    const dying: OutboxStore = {
      kind: store.kind,
      retainSentMs: store.retainSentMs,
      claim: (...args) => store.claim(...args),
      markSent: () => Promise.reject(new Error('killed')),
      release: (...args) => store.release(...args),
      stats: (now) => store.stats(now),
      cleanup: (...args) => store.cleanup(...args),
      watch: (wake) => store.watch(wake),
    };
    const logger = memoryLogger();
    const first = new OutboxRelay(dying, t.broker, { leaseMs: 5000, logger });
    await eventually(async () => (await t.broker.queue('q').stats()).ready === 2, 'sent once');
    await first.close();
    assert.equal((await outbox.stats()).pending, 2, 'still pending: never marked');
    await using _second = outbox.relay(t.broker, { leaseMs: 5000, sweepIntervalMs: 1000, logger });
    await t.clock.advance(4000);
    assert.equal((await t.broker.queue('q').stats()).ready, 2, 'not before the lease ends');
    await t.clock.advance(1000);
    await eventually(async () => (await t.broker.queue('q').stats()).ready === 4, 'sent again');
    const ids = (await peekAll(t.broker, 'q')).map((m) => m.id);
    assert.equal(new Set(ids).size, 2, 'the copies carry the same ids, for the inbox to drop');
    await eventually(async () => (await outbox.stats()).pending === 0, 'marked by the second relay');
    db.close();
  });

  test('stats report pending rows and the age of the oldest', async () => {
    using dir = tempDir();
    await using t = await testBroker();
    const db = openDb(dir.file('app.db'));
    const outbox = new SqliteOutbox(db, { clock: t.clock });
    assert.deepEqual(await outbox.stats(), { pending: 0, oldestAgeMs: 0 });
    db.transaction(() => outbox.add({ queue: 'nowhere', body: 1 }))();
    await t.clock.advance(1500);
    db.transaction(() => outbox.add({ queue: 'nowhere', body: 2 }))();
    await t.clock.advance(500);
    assert.deepEqual(await outbox.stats(), { pending: 2, oldestAgeMs: 2000 });
    db.close();
  });

  test('topics fan out; a delay counts from the commit; sent rows can be retained, then cleaned up', async () => {
    using dir = tempDir();
    await using t = await testBroker();
    await t.broker.createQueue('billing');
    await t.broker.createQueue('shipping');
    const topic = await t.broker.createTopic('order-events');
    await topic.subscribe('billing');
    await topic.subscribe('shipping');
    const db = openDb(dir.file('app.db'));
    const outbox = new SqliteOutbox(db, { clock: t.clock, retainSentMs: 60_000 });
    db.transaction(() => outbox.addBatch([{ topic: 'order-events', body: 'now' }, { queue: 'billing', body: 'later', delayMs: 10_000 }]))();
    await t.clock.advance(4000); // the relay is not running yet: the row waits
    await using _relay = outbox.relay(t.broker, { sweepIntervalMs: 1000, logger: memoryLogger() });
    await eventually(async () => (await t.broker.queue('shipping').stats()).ready === 1 && (await t.broker.queue('billing').stats()).delayed === 1, 'fanned out');
    await t.clock.advance(5999);
    assert.equal((await t.broker.queue('billing').stats()).ready, 1, 'only the undelayed copy');
    await t.clock.advance(1);
    await eventually(async () => (await t.broker.queue('billing').stats()).ready === 2, 'the delay ran from the commit, not from the relay');
    const count = () => (db.prepare('SELECT count(*) AS n FROM switchyard_outbox').get() as { n: number }).n;
    assert.equal(count(), 2, 'sent rows retained');
    assert.equal((await outbox.stats()).pending, 0);
    await t.clock.advance(61_000);
    await eventually(() => count() === 0, 'cleaned up after retention');
    db.close();
  });

  test('relay options are validated with exact messages', async () => {
    using dir = tempDir();
    await using t = await testBroker();
    const db = openDb(dir.file('app.db'));
    const outbox = new SqliteOutbox(db);
    assert.throws(() => outbox.relay(t.broker, { batchSize: 0 }), { message: 'batchSize: must be an integer from 1 to 10000, got 0' });
    assert.throws(() => outbox.relay(t.broker, { leaseMs: 500 }), { message: 'leaseMs: must be an integer from 1000 to 3600000, got 500' });
    assert.throws(() => outbox.relay(t.broker, { retryDelayMs: 5000, maxRetryDelayMs: 1000 }), { message: 'retryDelayMs: must not exceed maxRetryDelayMs (1000)' });
    assert.throws(() => outbox.relay(t.broker, { batch: 5 } as never), { message: 'batch: is not a relay option' });
    db.close();
  });
});
