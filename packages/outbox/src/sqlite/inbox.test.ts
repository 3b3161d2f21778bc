import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Consumer } from '@switchyard/consumer';
import Database from 'better-sqlite3';
import { eventually, memoryLogger, tempDir, testBroker } from '../testing/harness.js';
import { SqliteInbox } from './inbox.js';
import { SqliteOutbox } from './outbox.js';

function openDb(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE IF NOT EXISTS invoices (id INTEGER PRIMARY KEY, order_id TEXT NOT NULL)');
  return db;
}

const invoices = (db: Database.Database) => db.prepare('SELECT order_id FROM invoices ORDER BY id').all() as { order_id: string }[];

describe('SqliteInbox', () => {
  test('a redelivered message is acked without running the work again', async () => {
    using dir = tempDir();
    await using t = await testBroker();
    const q = await t.broker.createQueue('orders');
    const db = openDb(dir.file('billing.db'));
    await using inbox = new SqliteInbox(db, { name: 'billing', clock: t.clock });
    let runs = 0;
    await using _c = new Consumer({
      broker: t.broker,
      queue: 'orders',
      logger: memoryLogger(),
      handler: inbox.handler<{ orderId: string }>((m) => {
        runs++;
        db.prepare('INSERT INTO invoices (order_id) VALUES (?)').run(m.body.orderId);
      }),
    });
    // The same message three times, as a relay that crashed before marking would send it.
    for (let i = 0; i < 3; i++) await q.send({ id: 'msg-A', body: { orderId: 'A' } });
    await q.send({ id: 'msg-B', body: { orderId: 'B' } });
    await eventually(async () => (await q.stats()).ready + (await q.stats()).leased === 0, 'all acked');
    assert.equal(runs, 2);
    assert.deepEqual(invoices(db), [{ order_id: 'A' }, { order_id: 'B' }]);
    assert.equal(inbox.has('msg-A'), true);
  });

  test('work that fails records nothing, so the retry runs it', async () => {
    using dir = tempDir();
    await using t = await testBroker();
    const db = openDb(dir.file('billing.db'));
    await using inbox = new SqliteInbox(db, { clock: t.clock });
    assert.throws(() =>
      inbox.process({ id: 'm1' }, () => {
        db.prepare('INSERT INTO invoices (order_id) VALUES (?)').run('A');
        throw new Error('tax service down');
      }),
    );
    assert.deepEqual(invoices(db), [], 'the business write rolled back with it');
    assert.equal(inbox.has('m1'), false);
    assert.deepEqual(inbox.process({ id: 'm1' }, () => db.prepare('INSERT INTO invoices (order_id) VALUES (?)').run('A').changes), { status: 'processed', result: 1 });
    assert.deepEqual(inbox.process({ id: 'm1' }, () => assert.fail('must not run')), { status: 'duplicate' });
    assert.equal(invoices(db).length, 1);
  });

  test('asynchronous work is refused and rolled back', async () => {
    using dir = tempDir();
    await using t = await testBroker();
    const db = openDb(dir.file('billing.db'));
    await using inbox = new SqliteInbox(db, { clock: t.clock });
    assert.throws(() => inbox.process({ id: 'm1' }, async () => undefined), { message: 'work: must be synchronous: a better-sqlite3 transaction cannot span an await' });
    assert.equal(inbox.has('m1'), false);
  });

  test('processed ids expire after the retention; names keep handlers apart', async () => {
    using dir = tempDir();
    await using t = await testBroker();
    const db = openDb(dir.file('billing.db'));
    await using billing = new SqliteInbox(db, { name: 'billing', retentionMs: 3_600_000, cleanupIntervalMs: 60_000, clock: t.clock });
    await using audit = new SqliteInbox(db, { name: 'audit', clock: t.clock });
    billing.process({ id: 'm1' }, () => undefined);
    assert.equal(audit.process({ id: 'm1' }, () => 'audited').status, 'processed', 'another handler of the same message runs once too');
    await t.clock.advance(3_600_000);
    assert.equal(billing.has('m1'), true, 'kept for the whole retention');
    await t.clock.advance(60_000);
    assert.equal(billing.has('m1'), false, 'expired and deleted by the cleanup timer');
    assert.equal(audit.has('m1'), true);
  });

  test('inbox work can publish through the outbox in the same transaction', async () => {
    using dir = tempDir();
    await using t = await testBroker();
    await t.broker.createQueue('invoices');
    const db = openDb(dir.file('billing.db'));
    await using inbox = new SqliteInbox(db, { clock: t.clock });
    const outbox = new SqliteOutbox(db, { clock: t.clock });
    await using _relay = outbox.relay(t.broker, { logger: memoryLogger() });
    const handle = (id: string) =>
      inbox.process({ id }, () => {
        db.prepare('INSERT INTO invoices (order_id) VALUES (?)').run(id);
        outbox.add({ queue: 'invoices', type: 'invoice.created', body: { orderId: id } });
      });
    handle('A');
    handle('A');
    await eventually(async () => (await t.broker.queue('invoices').stats()).ready === 1, 'one invoice event');
    assert.equal((await outbox.stats()).pending, 0);
  });

  test('inbox options are validated with exact messages', () => {
    using dir = tempDir();
    const db = openDb(dir.file('billing.db'));
    assert.throws(() => new SqliteInbox(db, { retentionMs: 1000 }), { message: 'retentionMs: must be an integer from 60000 to 31536000000, got 1000' });
    assert.throws(() => new SqliteInbox(db, { name: '' }), { message: 'name: must be a string of 1 to 200 characters' });
    assert.throws(() => new SqliteInbox(db, { ttl: 5 } as never), { message: 'ttl: is not an inbox option' });
    db.close();
  });
});
