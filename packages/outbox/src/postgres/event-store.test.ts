import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ErrorCode, isSwitchyardError, ManualClock } from '@switchyard/core';
import { postgresSkipReason, startPostgres } from '../../../../tests/support/postgres.js';
import { NotInTransactionError, WrongExpectedVersionError } from '../errors.js';
import type { StoredEvent } from '../event-store.js';
import { eventually } from '../testing/harness.js';
import { begin, freshPool, inTransaction, waitingForLock } from '../testing/postgres.js';
import { PostgresEventStore } from './event-store.js';

const server = await startPostgres();
after(() => server?.stop());

const code = (c: string) => (err: unknown) => isSwitchyardError(err) && err.code === c;

/** A projection's read loop: reads on from the last position it saw. */
function projection(events: PostgresEventStore) {
  const seen: StoredEvent[] = [];
  let cursor = 0;
  return {
    seen,
    async poll(): Promise<void> {
      const page = await events.readAll({ after: cursor, max: 50 });
      seen.push(...page);
      cursor = page.at(-1)?.position ?? cursor;
    },
  };
}

describe('PostgresEventStore', { timeout: 60_000 }, () => {
  test('appends get dense versions and increasing positions, and read back with all three body kinds', async (t) => {
    if (!server) return t.skip(postgresSkipReason);
    const pool = await freshPool(server, 'events');
    const clock = new ManualClock(1_000_000);
    const events = await PostgresEventStore.open(pool, { clock });
    const first = await inTransaction(pool, (c) =>
      events.append(c, 'order-1', [
        { id: 'e1', type: 'order.placed', body: { total: 42, lines: [1, 2] }, headers: { 'correlation-id': 'c-1' }, timestamp: 5 },
        { type: 'order.noted', body: 'plain text' },
      ], { expectedVersion: 'no-stream' }),
    );
    assert.equal(first.version, 2);
    await clock.advance(10);
    await inTransaction(pool, (c) => events.append(c, 'order-2', [{ type: 'x', body: null }], { expectedVersion: 0 }));
    const second = await inTransaction(pool, (c) => events.append(c, 'order-1', [{ type: 'order.signed', body: new Uint8Array([0, 255, 7]) }], { expectedVersion: 2 }));
    assert.equal(second.version, 3);
    const stream = await events.readStream('order-1');
    assert.deepEqual(stream.map((e) => e.version), [1, 2, 3]);
    assert.deepEqual(stream[0], { stream: 'order-1', version: 1, position: stream[0]?.position, id: 'e1', type: 'order.placed', body: { total: 42, lines: [1, 2] }, headers: { 'correlation-id': 'c-1' }, timestamp: 5, recordedAt: 1_000_000 });
    assert.equal(stream[1]?.body, 'plain text');
    assert.equal(stream[1]?.timestamp, 1_000_000, 'the timestamp defaults to the clock');
    assert.ok(stream[2]?.body instanceof Uint8Array);
    assert.deepEqual([...(stream[2]?.body as Uint8Array)], [0, 255, 7]);
    assert.equal(stream[2]?.recordedAt, 1_000_010);
    assert.equal(stream[2]?.position, second.position);
    assert.match(stream[1]?.id ?? '', /^[0-9a-f-]{36}$/);
    assert.deepEqual((await events.readStream('order-1', { fromVersion: 2, max: 1 })).map((e) => e.version), [2]);
    const all = await events.readAll();
    assert.deepEqual(all.map((e) => `${e.stream}@${e.version}`), ['order-1@1', 'order-1@2', 'order-2@1', 'order-1@3']);
    assert.deepEqual(all.map((e) => e.position), [...all.map((e) => e.position)].sort((a, b) => a - b));
    assert.deepEqual((await events.readAll({ after: all[1]?.position as number, max: 1 })).map((e) => e.stream), ['order-2']);
    assert.deepEqual(await events.readStream('nobody'), []);
    await pool.end();
  });

  test('expected-version rules; a mismatch writes nothing and leaves the transaction usable', async (t) => {
    if (!server) return t.skip(postgresSkipReason);
    const pool = await freshPool(server, 'events');
    const events = await PostgresEventStore.open(pool);
    const e = [{ type: 't', body: 1 }];
    await inTransaction(pool, (c) => events.append(c, 's', e, { expectedVersion: 0 }));
    await inTransaction(pool, async (c) => {
      await assert.rejects(events.append(c, 's', e, { expectedVersion: 'no-stream' }), { code: 'WRONG_EXPECTED_VERSION', stream: 's', expected: 'no-stream', actual: 1 });
      await assert.rejects(events.append(c, 's', e, { expectedVersion: 3 }), (err: unknown) => err instanceof WrongExpectedVersionError && err.actual === 1 && err.message === 'stream "s" is at version 1; the append expected version 3');
      await assert.rejects(events.append(c, 'fresh', e, { expectedVersion: 1 }), { message: 'stream "fresh" does not exist; the append expected version 1' });
      assert.equal((await events.append(c, 's', e, { expectedVersion: 1 })).version, 2, 'the same transaction goes on');
      assert.equal((await events.append(c, 's', e, { expectedVersion: 'any' })).version, 3);
    });
    assert.deepEqual((await events.readAll()).map((x) => `${x.stream}@${x.version}`), ['s@1', 's@2', 's@3']);
    await pool.end();
  });

  test('a rolled-back append leaves nothing, and appends need a transaction', async (t) => {
    if (!server) return t.skip(postgresSkipReason);
    const pool = await freshPool(server, 'events', 'CREATE TABLE orders (id TEXT PRIMARY KEY)');
    const events = await PostgresEventStore.open(pool);
    await assert.rejects(
      inTransaction(pool, async (c) => {
        await c.query("INSERT INTO orders VALUES ('A')");
        await events.append(c, 'order-A', [{ type: 'placed', body: {} }], { expectedVersion: 0 });
        throw new Error('payment declined');
      }),
      /payment declined/,
    );
    assert.deepEqual(await events.readAll(), []);
    assert.equal((await pool.query('SELECT * FROM orders')).rowCount, 0);
    const client = await pool.connect();
    await assert.rejects(events.append(client, 's', [{ type: 't', body: 1 }], { expectedVersion: 'any' }), NotInTransactionError);
    client.release();
    // The stream starts at version 1 again; the rolled-back position is a gap, not a problem.
    assert.equal((await inTransaction(pool, (c) => events.append(c, 'order-A', [{ type: 'placed', body: {} }], { expectedVersion: 0 }))).version, 1);
    await pool.end();
  });

  test('two concurrent appends at the same expected version: exactly one succeeds', async (t) => {
    if (!server) return t.skip(postgresSkipReason);
    const pool = await freshPool(server, 'events');
    const events = await PostgresEventStore.open(pool);
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => inTransaction(pool, (c) => events.append(c, 'account-1', [{ type: 'deposited', body: i }], { expectedVersion: 0 }))),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof WrongExpectedVersionError && r.reason.actual === 1, String(r.reason));
    assert.equal((await events.readStream('account-1')).length, 1);
    await pool.end();
  });

  test('under REPEATABLE READ the unique constraint catches the conflict as the same typed error', async (t) => {
    if (!server) return t.skip(postgresSkipReason);
    const pool = await freshPool(server, 'events');
    const events = await PostgresEventStore.open(pool);
    const late = await begin(pool, 'BEGIN ISOLATION LEVEL REPEATABLE READ'); // its snapshot is taken now
    await inTransaction(pool, (c) => events.append(c, 's', [{ type: 'first', body: 1 }], { expectedVersion: 0 }));
    await assert.rejects(events.append(late, 's', [{ type: 'second', body: 2 }], { expectedVersion: 0 }), (err: unknown) => {
      assert.ok(err instanceof WrongExpectedVersionError);
      assert.equal(err.code, ErrorCode.WrongExpectedVersion);
      assert.equal(err.actual, undefined);
      assert.equal(err.message, 'stream "s" was appended to concurrently; the append expected no stream');
      return true;
    });
    await assert.rejects(late.query('SELECT 1'), { code: '25P02' }, 'PostgreSQL aborted the transaction: the caller rolls back');
    await late.query('ROLLBACK');
    late.release();
    assert.deepEqual((await events.readStream('s')).map((e) => e.type), ['first']);
    await pool.end();
  });

  test('readAll never skips: an append that took a higher position cannot commit before a lower one', async (t) => {
    if (!server) return t.skip(postgresSkipReason);
    const pool = await freshPool(server, 'events');
    const events = await PostgresEventStore.open(pool);
    const reader = projection(events);
    const t1 = await begin(pool);
    const first = await events.append(t1, 'a', [{ type: 'a', body: 1 }], { expectedVersion: 'any' });
    const t2 = await begin(pool);
    let t2Done = false;
    // T2 appends and commits while T1 is still open: with bare sequence positions it would take
    // position 2, commit first, and the reader below would move past position 1 for good.
    const second = (async () => {
      const r = await events.append(t2, 'b', [{ type: 'b', body: 2 }], { expectedVersion: 'any' });
      await t2.query('COMMIT');
      t2Done = true;
      return r;
    })();
    second.catch(() => undefined); // awaited below; a failure must not surface as unhandled first
    await eventually(async () => t2Done || (await waitingForLock(pool, t2.pid)), 'T2 committed or waits');
    await reader.poll();
    await t1.query('COMMIT');
    t1.release();
    const secondResult = await second;
    t2.release();
    await reader.poll();
    assert.ok(first.position < secondResult.position);
    assert.deepEqual(reader.seen.map((e) => e.stream), ['a', 'b'], 'the reader saw both, in order');
    await pool.end();
  });

  test('a reader polling during many concurrent appends (some rolled back) sees each committed event once, in order', async (t) => {
    if (!server) return t.skip(postgresSkipReason);
    const pool = await freshPool(server, 'events');
    const events = await PostgresEventStore.open(pool);
    const reader = projection(events);
    const committed = new Set<string>();
    let writing = true;
    const polling = (async () => {
      while (writing) await reader.poll();
    })();
    await Promise.all(
      Array.from({ length: 6 }, async (_, w) => {
        for (let i = 0; i < 15; i++) {
          const ids = [`w${w}-${i}-a`, `w${w}-${i}-b`];
          const rollback = i % 5 === 4;
          await inTransaction(pool, async (c) => {
            await events.append(c, `stream-${(w + i) % 4}`, ids.map((id) => ({ id, type: 'e', body: { w, i } })), { expectedVersion: 'any' });
            await c.query('SELECT pg_sleep(0.001)'); // keep the transaction open after taking positions
            if (rollback) throw new Error('rolled back');
          }).catch((err: Error) => assert.equal(err.message, 'rolled back'));
          if (!rollback) for (const id of ids) committed.add(id);
        }
      }),
    );
    writing = false;
    await polling;
    await reader.poll();
    const ids = reader.seen.map((e) => e.id);
    assert.equal(ids.length, committed.size, 'nothing skipped, nothing twice');
    assert.deepEqual(new Set(ids), committed);
    const positions = reader.seen.map((e) => e.position);
    assert.ok(positions.every((p, i) => i === 0 || p > (positions[i - 1] as number)), 'positions strictly increase');
    for (let s = 0; s < 4; s++) {
      const versions = (await events.readStream(`stream-${s}`, { max: 10_000 })).map((e) => e.version);
      assert.deepEqual(versions, versions.map((_, i) => i + 1), `stream-${s} has dense versions`);
    }
    await pool.end();
  });

  test('bad input gets typed errors with stable codes, and nothing is written', async (t) => {
    if (!server) return t.skip(postgresSkipReason);
    const pool = await freshPool(server, 'events');
    await assert.rejects(PostgresEventStore.open(pool, { table: 'events; DROP TABLE x' }), { code: 'INVALID_ARGUMENT', field: 'table' });
    await assert.rejects(PostgresEventStore.open(pool, { table: '' }), code('INVALID_ARGUMENT'));
    await assert.rejects(PostgresEventStore.open({} as never), { message: 'pool: must be a pg Pool' });
    const events = await PostgresEventStore.open(pool, { table: 'my_events' });
    const ok = [{ type: 't', body: 1 }];
    await inTransaction(pool, async (c) => {
      await assert.rejects(events.append(c, '', ok, { expectedVersion: 0 }), { code: 'INVALID_ARGUMENT', message: 'streamId: must be a string of 1 to 200 characters' });
      for (const expectedVersion of [1.5, -1, '3', null, undefined, Number.NaN]) {
        await assert.rejects(events.append(c, 's', ok, { expectedVersion } as never), { code: 'INVALID_ARGUMENT', field: 'expectedVersion' }, String(expectedVersion));
      }
      await assert.rejects(events.append(c, 's', ok, undefined as never), { field: 'expectedVersion' });
      await assert.rejects(events.append(c, 's', [], { expectedVersion: 0 }), { message: 'events: must hold at least one event' });
      await assert.rejects(events.append(c, 's', [{ body: 1 }] as never, { expectedVersion: 0 }), { message: 'events[0].type: must be a string of 1 to 256 characters' });
      await assert.rejects(events.append(c, 's', [...ok, { type: 't' }] as never, { expectedVersion: 0 }), { code: 'INVALID_ARGUMENT', message: 'events[1].body: is required' });
      await assert.rejects(events.append(c, 's', [{ type: 't', body: 1, headers: { 'bad name': 'x' } }], { expectedVersion: 0 }), { field: 'events[0].headers.bad name' });
    });
    await assert.rejects(events.readAll({ max: 0 }), { code: 'INVALID_ARGUMENT', field: 'max' });
    await assert.rejects(events.readAll({ after: -1 }), { field: 'after' });
    await assert.rejects(events.readStream('s', { fromVersion: 0 }), { field: 'fromVersion' });
    assert.deepEqual(await events.readAll(), []);
    await pool.end();
  });
});
