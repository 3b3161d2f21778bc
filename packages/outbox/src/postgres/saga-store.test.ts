import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ManualClock } from '@switchyard/core';
import { postgresSkipReason, startPostgres } from '../../../../tests/support/postgres.js';
import { NotInTransactionError, SagaVersionConflictError } from '../errors.js';
import { eventually, memoryLogger } from '../testing/harness.js';
import { begin, freshPool, inTransaction, waitingForLock } from '../testing/postgres.js';
import { PostgresOutbox } from './outbox.js';
import { PostgresSagaStore } from './saga-store.js';

const server = await startPostgres();
after(() => server?.stop());

describe('PostgresSagaStore', { timeout: 60_000 }, () => {
  test('create, load and save with versions, statuses and the clock; a second create conflicts', async (t) => {
    if (!server) return t.skip(postgresSkipReason);
    const pool = await freshPool(server, 'sagas');
    const clock = new ManualClock(1_000_000);
    const sagas = await PostgresSagaStore.open(pool, { clock });
    assert.equal(await inTransaction(pool, (c) => sagas.create(c, 'fulfilment', 'order-1', { step: 'reserve' })), 1);
    assert.deepEqual(await sagas.load(pool, 'fulfilment', 'order-1'), { state: { step: 'reserve' }, version: 1, status: 'running', createdAt: 1_000_000, updatedAt: 1_000_000 });
    await clock.advance(500);
    assert.equal(await inTransaction(pool, (c) => sagas.save(c, 'fulfilment', 'order-1', { step: 'pay', reserved: ['sku-1'] }, { expectedVersion: 1 })), 2);
    assert.equal(await inTransaction(pool, (c) => sagas.save(c, 'fulfilment', 'order-1', { step: 'refund' }, { expectedVersion: 2, status: 'compensating' })), 3);
    const loaded = await inTransaction(pool, (c) => sagas.load<{ step: string }>(c, 'fulfilment', 'order-1'));
    assert.deepEqual(loaded, { state: { step: 'refund' }, version: 3, status: 'compensating', createdAt: 1_000_000, updatedAt: 1_000_500 });
    await assert.rejects(
      inTransaction(pool, (c) => sagas.create(c, 'fulfilment', 'order-1', {})),
      (err: unknown) => err instanceof SagaVersionConflictError && err.code === 'WRONG_EXPECTED_VERSION' && err.actual === 3 && err.message === 'saga "fulfilment" "order-1" is at version 3; the write expected it not to exist',
    );
    assert.equal(await sagas.load(pool, 'fulfilment', 'order-2'), undefined);
    assert.equal(await sagas.load(pool, 'billing', 'order-1'), undefined, 'the type is part of the key');
    await pool.end();
  });

  test('a save at a stale version writes nothing and leaves the transaction usable', async (t) => {
    if (!server) return t.skip(postgresSkipReason);
    const pool = await freshPool(server, 'sagas');
    const sagas = await PostgresSagaStore.open(pool);
    await inTransaction(pool, (c) => sagas.create(c, 'trip', 't1', { booked: [] }));
    await inTransaction(pool, async (c) => {
      await assert.rejects(sagas.save(c, 'trip', 't1', { booked: ['x'] }, { expectedVersion: 2 }), { code: 'WRONG_EXPECTED_VERSION', expected: 2, actual: 1 });
      await assert.rejects(sagas.save(c, 'trip', 'nope', {}, { expectedVersion: 1 }), { message: 'saga "trip" "nope" does not exist; the write expected version 1' });
      assert.equal(await sagas.save(c, 'trip', 't1', { booked: ['hotel'] }, { expectedVersion: 1 }), 2);
    });
    assert.deepEqual((await sagas.load(pool, 'trip', 't1'))?.state, { booked: ['hotel'] });
    await pool.end();
  });

  test('two concurrent saves from the same version: exactly one wins', async (t) => {
    if (!server) return t.skip(postgresSkipReason);
    const pool = await freshPool(server, 'sagas');
    const sagas = await PostgresSagaStore.open(pool);
    await inTransaction(pool, (c) => sagas.create(c, 'trip', 't1', { n: 0 }));
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, n) => inTransaction(pool, (c) => sagas.save(c, 'trip', 't1', { n: n + 1 }, { expectedVersion: 1 }))),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof SagaVersionConflictError && r.reason.actual === 2, String(r.reason));
    const saga = await sagas.load<{ n: number }>(pool, 'trip', 't1');
    assert.equal(saga?.version, 2);
    // Exactly the winner's state is stored.
    const winner = results.findIndex((r) => r.status === 'fulfilled');
    assert.equal(saga?.state.n, winner + 1);
    // Two creates at once: the second waits for the first's row and then conflicts.
    const first = await begin(pool);
    await sagas.create(first, 'trip', 't2', { by: 'first' });
    const second = await begin(pool);
    const outcome = sagas.create(second, 'trip', 't2', { by: 'second' }).then(() => undefined, (err: unknown) => err);
    await eventually(() => waitingForLock(pool, second.pid), 'the second create waits for the first');
    await first.query('COMMIT');
    first.release();
    const err = await outcome;
    assert.ok(err instanceof SagaVersionConflictError && err.expected === 0 && err.actual === 1, String(err));
    await second.query('ROLLBACK');
    second.release();
    assert.deepEqual((await sagas.load(pool, 'trip', 't2'))?.state, { by: 'first' });
    await pool.end();
  });

  test('the saga state and the outbox command it sends commit together, or not at all', async (t) => {
    if (!server) return t.skip(postgresSkipReason);
    const pool = await freshPool(server, 'sagas');
    const clock = new ManualClock(1_000_000);
    const sagas = await PostgresSagaStore.open(pool, { clock });
    const outbox = await PostgresOutbox.open(pool, { clock, logger: memoryLogger() });
    await inTransaction(pool, (c) => sagas.create(c, 'fulfilment', 'o1', { step: 'reserve' }));
    const step = (fail: boolean) =>
      inTransaction(pool, async (c) => {
        await sagas.save(c, 'fulfilment', 'o1', { step: 'ship' }, { expectedVersion: 1 });
        await outbox.add(c, { queue: 'shipping', type: 'ship.order', body: { orderId: 'o1' } });
        if (fail) throw new Error('crashed before commit');
      });
    await assert.rejects(step(true), /crashed before commit/);
    assert.deepEqual(await sagas.load(pool, 'fulfilment', 'o1'), { state: { step: 'reserve' }, version: 1, status: 'running', createdAt: 1_000_000, updatedAt: 1_000_000 });
    assert.equal((await outbox.stats()).pending, 0);
    await step(false);
    assert.equal((await sagas.load(pool, 'fulfilment', 'o1'))?.version, 2);
    const rows = await pool.query<{ destination: string; type: string }>('SELECT destination, type FROM switchyard_outbox');
    assert.deepEqual(rows.rows, [{ destination: 'shipping', type: 'ship.order' }]);
    await pool.end();
  });

  test('findStale returns running and compensating sagas not written since a time, oldest first', async (t) => {
    if (!server) return t.skip(postgresSkipReason);
    const pool = await freshPool(server, 'sagas');
    const clock = new ManualClock(1_000_000);
    const sagas = await PostgresSagaStore.open(pool, { clock });
    const create = (type: string, id: string, status?: 'completed' | 'failed' | 'compensating') =>
      inTransaction(pool, (c) => sagas.create(c, type, id, { id }, status ? { status } : {}));
    await create('trip', 'old');
    await clock.advance(1000);
    await create('trip', 'undoing', 'compensating');
    await create('trip', 'done', 'completed');
    await create('trip', 'gave-up', 'failed');
    await create('payment', 'p1');
    await clock.advance(1000);
    await create('trip', 'fresh');
    const stale = await sagas.findStale({ updatedBefore: 1_001_500 });
    assert.deepEqual(stale.map((s) => `${s.type}/${s.id}:${s.status}`), ['trip/old:running', 'payment/p1:running', 'trip/undoing:compensating']);
    assert.deepEqual(stale[0], { type: 'trip', id: 'old', state: { id: 'old' }, version: 1, status: 'running', createdAt: 1_000_000, updatedAt: 1_000_000 });
    assert.deepEqual((await sagas.findStale({ type: 'payment', updatedBefore: 2_000_000 })).map((s) => s.id), ['p1']);
    assert.deepEqual((await sagas.findStale({ updatedBefore: 2_000_000, max: 1 })).map((s) => s.id), ['old']);
    // A save moves a saga out of the stale set.
    await inTransaction(pool, (c) => sagas.save(c, 'trip', 'old', { id: 'old', step: 2 }, { expectedVersion: 1 }));
    assert.deepEqual((await sagas.findStale({ type: 'trip', updatedBefore: 1_001_500 })).map((s) => s.id), ['undoing']);
    await pool.end();
  });

  test('writes need a transaction; bad input gets typed errors with stable codes', async (t) => {
    if (!server) return t.skip(postgresSkipReason);
    const pool = await freshPool(server, 'sagas');
    await assert.rejects(PostgresSagaStore.open(pool, { table: 'sagas"' }), { code: 'INVALID_ARGUMENT', field: 'table' });
    const sagas = await PostgresSagaStore.open(pool, { table: 'my_sagas' });
    const client = await pool.connect();
    await assert.rejects(sagas.create(client, 'trip', 't1', {}), NotInTransactionError);
    await assert.rejects(sagas.save(client, 'trip', 't1', {}, { expectedVersion: 1 }), { code: 'NOT_IN_TRANSACTION' });
    client.release();
    await inTransaction(pool, async (c) => {
      await assert.rejects(sagas.create(c, 'trip', '', {}), { code: 'INVALID_ARGUMENT', message: 'id: must be a string of 1 to 200 characters' });
      await assert.rejects(sagas.create(c, '', 'x', {}), { field: 'type' });
      await assert.rejects(sagas.create(c, 'trip', 'x', undefined as never), { message: 'state: must be a JSON value' });
      await assert.rejects(sagas.create(c, 'trip', 'x', {}, { status: 'paused' as never }), { message: 'status: must be one of running, compensating, completed, failed, got "paused"' });
      await sagas.create(c, 'trip', 'x', {});
      for (const expectedVersion of [1.5, 0, -1, '1', undefined]) {
        await assert.rejects(sagas.save(c, 'trip', 'x', {}, { expectedVersion } as never), { code: 'INVALID_ARGUMENT', field: 'expectedVersion' }, String(expectedVersion));
      }
    });
    await assert.rejects(sagas.findStale({} as never), { field: 'updatedBefore' });
    await assert.rejects(sagas.load(pool, 'trip', ''), { field: 'id' });
    assert.equal((await sagas.load(pool, 'trip', 'x'))?.version, 1);
    await pool.end();
  });
});
