import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, ManualClock } from '@switchyard/core';
import Database from 'better-sqlite3';
import { NotInTransactionError, WrongExpectedVersionError } from '../errors.js';
import { tempDir } from '../testing/harness.js';
import { SqliteEventStore } from './event-store.js';

function openDb(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY)');
  return db;
}

describe('SqliteEventStore', () => {
  test('appends get dense versions and increasing positions, and read back with all three body kinds', () => {
    using dir = tempDir();
    const db = openDb(dir.file('app.db'));
    const clock = new ManualClock(1_000_000);
    const events = new SqliteEventStore(db, { clock });
    const first = db.transaction(() =>
      events.append('order-1', [
        { id: 'e1', type: 'order.placed', body: { total: 42 }, headers: { 'correlation-id': 'c-1' }, timestamp: 5 },
        { type: 'order.noted', body: 'plain text' },
      ], { expectedVersion: 'no-stream' }),
    )();
    assert.deepEqual(first, { version: 2, position: 2 });
    db.transaction(() => events.append('order-2', [{ type: 'x', body: null }], { expectedVersion: 0 }))();
    const second = db.transaction(() => events.append('order-1', [{ type: 'order.signed', body: new Uint8Array([0, 255, 7]) }], { expectedVersion: 2 }))();
    assert.deepEqual(second, { version: 3, position: 4 });
    const stream = events.readStream('order-1');
    assert.deepEqual(stream[0], { stream: 'order-1', version: 1, position: 1, id: 'e1', type: 'order.placed', body: { total: 42 }, headers: { 'correlation-id': 'c-1' }, timestamp: 5, recordedAt: 1_000_000 });
    assert.equal(stream[1]?.body, 'plain text');
    assert.ok(stream[2]?.body instanceof Uint8Array);
    assert.deepEqual([...(stream[2]?.body as Uint8Array)], [0, 255, 7]);
    assert.deepEqual(events.readStream('order-1', { fromVersion: 3 }).map((e) => e.version), [3]);
    assert.deepEqual(events.readAll().map((e) => `${e.stream}@${e.version}`), ['order-1@1', 'order-1@2', 'order-2@1', 'order-1@3']);
    assert.deepEqual(events.readAll({ after: 2, max: 1 }).map((e) => e.position), [3]);
    // Another handle (a projection's) reads the same file.
    const other = openDb(dir.file('app.db'));
    assert.equal(new SqliteEventStore(other).readAll().length, 4);
    other.close();
    db.close();
  });

  test('expected-version rules; a mismatch writes nothing', () => {
    using dir = tempDir();
    const db = openDb(dir.file('app.db'));
    const events = new SqliteEventStore(db);
    const e = [{ type: 't', body: 1 }];
    const append = db.transaction((stream: string, expectedVersion: number | 'any' | 'no-stream') => events.append(stream, e, { expectedVersion }));
    append('s', 0);
    assert.throws(() => append('s', 'no-stream'), { code: 'WRONG_EXPECTED_VERSION', stream: 's', expected: 'no-stream', actual: 1 });
    assert.throws(() => append('s', 3), (err: unknown) => err instanceof WrongExpectedVersionError && err.message === 'stream "s" is at version 1; the append expected version 3');
    assert.throws(() => append('fresh', 2), { message: 'stream "fresh" does not exist; the append expected version 2' });
    assert.equal(append('s', 1).version, 2);
    assert.equal(append('s', 'any').version, 3);
    assert.deepEqual(events.readAll().map((x) => `${x.stream}@${x.version}`), ['s@1', 's@2', 's@3']);
    db.close();
  });

  test('a rolled-back append leaves nothing, and appends need a transaction', () => {
    using dir = tempDir();
    const db = openDb(dir.file('app.db'));
    const events = new SqliteEventStore(db);
    assert.throws(
      () =>
        db.transaction(() => {
          db.prepare("INSERT INTO orders VALUES ('A')").run();
          events.append('order-A', [{ type: 'placed', body: {} }], { expectedVersion: 0 });
          throw new Error('payment declined');
        })(),
      /payment declined/,
    );
    assert.deepEqual(events.readAll(), []);
    assert.equal((db.prepare('SELECT count(*) AS n FROM orders').get() as { n: number }).n, 0);
    assert.throws(() => events.append('s', [{ type: 't', body: 1 }], { expectedVersion: 'any' }), NotInTransactionError);
    // An open BEGIN counts as a transaction too.
    db.exec('BEGIN');
    events.append('order-A', [{ type: 'placed', body: {} }], { expectedVersion: 0 });
    db.exec('ROLLBACK');
    assert.deepEqual(events.readAll(), []);
    db.close();
  });

  test('two handles appending at the same expected version: exactly one succeeds', () => {
    using dir = tempDir();
    const a = openDb(dir.file('app.db'));
    const b = openDb(dir.file('app.db'));
    b.pragma('busy_timeout = 0');
    const ea = new SqliteEventStore(a);
    const eb = new SqliteEventStore(b);
    // Both decided on version 0; A takes the write lock first.
    a.exec('BEGIN');
    ea.append('account-1', [{ type: 'deposited', body: 'A' }], { expectedVersion: 0 });
    b.exec('BEGIN');
    assert.throws(() => eb.append('account-1', [{ type: 'deposited', body: 'B' }], { expectedVersion: 0 }), { code: 'SQLITE_BUSY' });
    b.exec('ROLLBACK');
    a.exec('COMMIT');
    // B retries in a fresh transaction and finds that A won.
    assert.throws(() => b.transaction(() => eb.append('account-1', [{ type: 'deposited', body: 'B' }], { expectedVersion: 0 }))(), { code: ErrorCode.WrongExpectedVersion, actual: 1 });
    assert.deepEqual(ea.readStream('account-1').map((e) => e.body), ['A']);
    a.close();
    b.close();
  });

  test('a reader on another handle sees no uncommitted event, and reads on in commit order', () => {
    using dir = tempDir();
    const db = openDb(dir.file('app.db'));
    const events = new SqliteEventStore(db);
    const other = openDb(dir.file('app.db'));
    const reader = new SqliteEventStore(other);
    db.exec('BEGIN');
    events.append('a', [{ type: 't', body: 1 }], { expectedVersion: 'any' });
    assert.deepEqual(reader.readAll(), []);
    db.exec('COMMIT');
    const page = reader.readAll();
    db.transaction(() => events.append('b', [{ type: 't', body: 2 }], { expectedVersion: 'any' }))();
    assert.deepEqual([...page, ...reader.readAll({ after: page.at(-1)?.position ?? 0 })].map((e) => e.stream), ['a', 'b']);
    other.close();
    db.close();
  });

  test('bad input gets typed errors with stable codes, and nothing is written', () => {
    using dir = tempDir();
    const db = openDb(dir.file('app.db'));
    assert.throws(() => new SqliteEventStore(db, { table: 'events; DROP TABLE orders' }), { code: 'INVALID_ARGUMENT', field: 'table' });
    assert.throws(() => new SqliteEventStore(db, { table: '1events' }), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => new SqliteEventStore(db, { maxEventBytes: 10 }), { message: 'maxEventBytes: must be an integer from 1024 to 67108864, got 10' });
    assert.throws(() => new SqliteEventStore({} as never), { message: 'db: must be a better-sqlite3 Database' });
    const events = new SqliteEventStore(db, { table: 'my_events', maxEventBytes: 1024 });
    const ok = [{ type: 't', body: 1 }];
    db.transaction(() => {
      assert.throws(() => events.append('', ok, { expectedVersion: 0 }), { code: 'INVALID_ARGUMENT', message: 'streamId: must be a string of 1 to 200 characters' });
      for (const expectedVersion of [1.5, -1, '3', null, undefined, Number.POSITIVE_INFINITY]) {
        assert.throws(() => events.append('s', ok, { expectedVersion } as never), { code: 'INVALID_ARGUMENT', field: 'expectedVersion' }, String(expectedVersion));
      }
      assert.throws(() => events.append('s', [], { expectedVersion: 0 }), { message: 'events: must hold at least one event' });
      assert.throws(() => events.append('s', [{ type: '', body: 1 }], { expectedVersion: 0 }), { message: 'events[0].type: must be a string of 1 to 256 characters' });
      assert.throws(() => events.append('s', [...ok, { type: 't', body: 'x'.repeat(2000) }], { expectedVersion: 0 }), { code: 'MESSAGE_TOO_LARGE' });
      assert.throws(() => events.append('s', [{ type: 't', body: 1, id: '' }], { expectedVersion: 0 }), { field: 'events[0].id' });
    })();
    assert.throws(() => events.readAll({ max: 10_001 }), { code: 'INVALID_ARGUMENT', field: 'max' });
    assert.throws(() => events.readStream('', {}), { field: 'streamId' });
    assert.deepEqual(events.readAll(), []);
    db.close();
  });
});
