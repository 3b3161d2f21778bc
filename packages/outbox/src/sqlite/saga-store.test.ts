import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '@switchyard/core';
import Database from 'better-sqlite3';
import { NotInTransactionError, SagaVersionConflictError } from '../errors.js';
import { tempDir } from '../testing/harness.js';
import { SqliteOutbox } from './outbox.js';
import { SqliteSagaStore } from './saga-store.js';

function openDb(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  return db;
}

describe('SqliteSagaStore', () => {
  test('create, load and save with versions, statuses and the clock; conflicts write nothing', async () => {
    using dir = tempDir();
    const db = openDb(dir.file('app.db'));
    const clock = new ManualClock(1_000_000);
    const sagas = new SqliteSagaStore(db, { clock });
    const tx = <T>(fn: () => T): T => db.transaction(fn)();
    assert.equal(tx(() => sagas.create('fulfilment', 'order-1', { step: 'reserve' })), 1);
    assert.deepEqual(sagas.load('fulfilment', 'order-1'), { state: { step: 'reserve' }, version: 1, status: 'running', createdAt: 1_000_000, updatedAt: 1_000_000 });
    await clock.advance(500);
    assert.equal(tx(() => sagas.save('fulfilment', 'order-1', { step: 'pay' }, { expectedVersion: 1 })), 2);
    assert.equal(tx(() => sagas.save('fulfilment', 'order-1', { step: 'refund' }, { expectedVersion: 2, status: 'compensating' })), 3);
    assert.deepEqual(sagas.load('fulfilment', 'order-1'), { state: { step: 'refund' }, version: 3, status: 'compensating', createdAt: 1_000_000, updatedAt: 1_000_500 });
    assert.throws(() => tx(() => sagas.create('fulfilment', 'order-1', {})), { code: 'WRONG_EXPECTED_VERSION', expected: 0, actual: 3 });
    assert.throws(
      () => tx(() => sagas.save('fulfilment', 'order-1', { step: 'stale' }, { expectedVersion: 2 })),
      (err: unknown) => err instanceof SagaVersionConflictError && err.message === 'saga "fulfilment" "order-1" is at version 3; the write expected version 2',
    );
    assert.throws(() => tx(() => sagas.save('fulfilment', 'nope', {}, { expectedVersion: 1 })), { actual: 0 });
    assert.equal(sagas.load('fulfilment', 'order-1')?.version, 3);
    assert.equal(sagas.load('billing', 'order-1'), undefined, 'the type is part of the key');
    db.close();
  });

  test('two handles saving from the same loaded version: exactly one wins', () => {
    using dir = tempDir();
    const a = openDb(dir.file('app.db'));
    const b = openDb(dir.file('app.db'));
    const sa = new SqliteSagaStore(a);
    const sb = new SqliteSagaStore(b);
    a.transaction(() => sa.create('trip', 't1', { n: 0 }))();
    const seenByA = sa.load('trip', 't1');
    const seenByB = sb.load('trip', 't1');
    a.transaction(() => sa.save('trip', 't1', { n: 1 }, { expectedVersion: seenByA?.version as number }))();
    assert.throws(() => b.transaction(() => sb.save('trip', 't1', { n: 2 }, { expectedVersion: seenByB?.version as number }))(), SagaVersionConflictError);
    assert.deepEqual(sb.load('trip', 't1')?.state, { n: 1 });
    a.close();
    b.close();
  });

  test('the saga state and the outbox command it sends commit together, or not at all', () => {
    using dir = tempDir();
    const db = openDb(dir.file('app.db'));
    const sagas = new SqliteSagaStore(db);
    const outbox = new SqliteOutbox(db);
    db.transaction(() => sagas.create('fulfilment', 'o1', { step: 'reserve' }))();
    const step = db.transaction((fail: boolean) => {
      sagas.save('fulfilment', 'o1', { step: 'ship' }, { expectedVersion: 1 });
      outbox.add({ queue: 'shipping', type: 'ship.order', body: { orderId: 'o1' } });
      if (fail) throw new Error('crashed before commit');
    });
    assert.throws(() => step(true), /crashed before commit/);
    assert.deepEqual(sagas.load('fulfilment', 'o1')?.state, { step: 'reserve' });
    assert.equal((db.prepare('SELECT count(*) AS n FROM switchyard_outbox').get() as { n: number }).n, 0);
    step(false);
    assert.equal(sagas.load('fulfilment', 'o1')?.version, 2);
    assert.deepEqual(db.prepare('SELECT destination, type FROM switchyard_outbox').all(), [{ destination: 'shipping', type: 'ship.order' }]);
    db.close();
  });

  test('findStale returns running and compensating sagas not written since a time, oldest first', async () => {
    using dir = tempDir();
    const db = openDb(dir.file('app.db'));
    const clock = new ManualClock(1_000_000);
    const sagas = new SqliteSagaStore(db, { clock });
    const create = (type: string, id: string, status?: 'completed' | 'failed' | 'compensating') => db.transaction(() => sagas.create(type, id, { id }, status ? { status } : {}))();
    create('trip', 'old');
    await clock.advance(1000);
    create('trip', 'undoing', 'compensating');
    create('trip', 'done', 'completed');
    create('trip', 'gave-up', 'failed');
    create('payment', 'p1');
    await clock.advance(1000);
    create('trip', 'fresh');
    const stale = sagas.findStale({ updatedBefore: 1_001_500 });
    assert.deepEqual(stale.map((s) => `${s.type}/${s.id}:${s.status}`), ['trip/old:running', 'payment/p1:running', 'trip/undoing:compensating']);
    assert.deepEqual(stale[0], { type: 'trip', id: 'old', state: { id: 'old' }, version: 1, status: 'running', createdAt: 1_000_000, updatedAt: 1_000_000 });
    assert.deepEqual(sagas.findStale({ type: 'payment', updatedBefore: 2_000_000 }).map((s) => s.id), ['p1']);
    assert.deepEqual(sagas.findStale({ updatedBefore: 2_000_000, max: 1 }).map((s) => s.id), ['old']);
    db.transaction(() => sagas.save('trip', 'old', { id: 'old', step: 2 }, { expectedVersion: 1, status: 'completed' }))();
    assert.deepEqual(sagas.findStale({ type: 'trip', updatedBefore: 2_000_000 }).map((s) => s.id), ['undoing', 'fresh']);
    db.close();
  });

  test('writes need a transaction; bad input gets typed errors with stable codes', () => {
    using dir = tempDir();
    const db = openDb(dir.file('app.db'));
    assert.throws(() => new SqliteSagaStore(db, { table: 'x'.repeat(52) }), { code: 'INVALID_ARGUMENT', field: 'table' });
    assert.throws(() => new SqliteSagaStore({} as never), { message: 'db: must be a better-sqlite3 Database' });
    const sagas = new SqliteSagaStore(db, { table: 'my_sagas' });
    assert.throws(() => sagas.create('trip', 't1', {}), NotInTransactionError);
    assert.throws(() => sagas.save('trip', 't1', {}, { expectedVersion: 1 }), { code: 'NOT_IN_TRANSACTION' });
    db.transaction(() => {
      assert.throws(() => sagas.create('trip', '', {}), { code: 'INVALID_ARGUMENT', message: 'id: must be a string of 1 to 200 characters' });
      assert.throws(() => sagas.create('trip', 'x', 10n as never), { message: 'state: is not serialisable as JSON' });
      assert.throws(() => sagas.create('trip', 'x', {}, { status: 'done' as never }), { field: 'status' });
      sagas.create('trip', 'x', {});
      for (const expectedVersion of [1.5, 0, -1, '1', undefined]) {
        assert.throws(() => sagas.save('trip', 'x', {}, { expectedVersion } as never), { code: 'INVALID_ARGUMENT', field: 'expectedVersion' }, String(expectedVersion));
      }
      assert.throws(() => sagas.save('trip', 'x', {}, { expectedVersion: 1, status: 'paused' as never }), { field: 'status' });
    })();
    assert.throws(() => sagas.findStale({ updatedBefore: 1, max: 0 }), { field: 'max' });
    assert.throws(() => sagas.load('', 'x'), { field: 'type' });
    assert.equal(sagas.load('trip', 'x')?.version, 1);
    db.close();
  });
});
