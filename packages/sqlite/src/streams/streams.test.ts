import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Broker, ManualClock } from '@switchyard/core';
import Database from 'better-sqlite3';
import { tempFiles } from '../../../../tests/support/temp-files.js';
import { openBroker, SqliteEngine } from '../index.js';
import { migrate, schemaVersion } from '../schema.js';

/** A queue holding one text message, as release 1 of the schema stored them (bodies as UTF-8 BLOBs in `bodies`). */
function storeAsVersion1(db: Database.Database, queue: string, body: string): void {
  db.prepare("INSERT INTO queues (name, fifo, visibility_ms, delay_ms, retention_ms, dedup_window_ms, created_at) VALUES (?, 0, 30000, 0, 345600000, 300000, 0)").run(queue);
  db.prepare("INSERT INTO messages (queue_id, id, type, body_kind, ts, enqueued_at, available_at, visible_at, expires_at) VALUES (last_insert_rowid(), 'm1', 'message', 1, 0, 0, 0, 0, 9e15)").run();
  db.prepare('INSERT INTO bodies (seq, body) VALUES (last_insert_rowid(), ?)').run(Buffer.from(body));
}

const { file } = tempFiles('streams');

describe('sqlite streams on a file', () => {
  it('keeps records, committed offsets and state across close and reopen', async () => {
    const path = file();
    const first = await openBroker({ path });
    const s = await first.createStream('events', { partitions: 2 });
    await s.appendBatch([{ body: 'a', partition: 0 }, { body: 'b', partition: 1 }, { body: 'c', partition: 0 }]);
    const c = s.consumer('g', { start: 'earliest', memberId: 'worker-1' });
    await c.poll({ max: 2 });
    await c.commit({ state: [{ partition: 0, key: 'k', value: new Uint8Array([7]) }] });
    await first.close();

    const second = await openBroker({ path });
    const again = second.stream('events');
    assert.deepEqual((await again.offsets()).map((o) => o.end), [2, 1]);
    const committed = await again.committed('g');
    assert.equal(committed.length, 2);
    // The same static member id: the new process takes over from the one that never left.
    const c2 = again.consumer('g', { memberId: 'worker-1' });
    const rest = await c2.poll({ max: 10 });
    assert.equal(rest.length, 1, 'exactly the record not committed before the close');
    assert.deepEqual([...((await c2.loadState(0))[0]?.value ?? [])], [7]);
    await second.close();
  });

  it('applies retention on its own sweep, on the injected clock', async () => {
    const clock = new ManualClock();
    const engine = new SqliteEngine({ path: file(), clock, sweepIntervalMs: 1000 });
    const broker = new Broker(engine, { clock });
    const s = await broker.createStream('short', { retention: { maxAgeMs: 60_000 } });
    await s.appendBatch([{ body: 1 }, { body: 2 }]);
    await clock.advance(59_000);
    assert.equal((await s.stats()).removedByAge, 0);
    await clock.advance(2_000);
    // Nobody called trim: the engine's sweep removed and counted them.
    const stats = await s.stats();
    assert.equal(stats.removedByAge, 2);
    assert.equal(stats.partitions[0]?.start, 2);
    await broker.close();
  });

  it('spreads a large expiry over several sweeps rather than one long transaction', async () => {
    const clock = new ManualClock();
    const engine = new SqliteEngine({ clock, sweepIntervalMs: 1000 });
    const broker = new Broker(engine, { clock });
    const s = await broker.createStream('big', { retention: { maxAgeMs: 60_000 } });
    for (let i = 0; i < 25; i++) await s.appendBatch(Array.from({ length: 1000 }, () => ({ body: 1 })));
    await clock.advance(60_500);
    assert.equal((await s.stats()).removedByAge, 0);
    await clock.advance(1_000);
    assert.equal((await s.stats()).removedByAge, 20_000, 'one sweep removes at most 20,000 records of a partition');
    await clock.advance(1_000);
    assert.equal((await s.stats()).removedByAge, 25_000);
    await broker.close();
  });

  it('group-commits concurrent appends', async () => {
    const engine = new SqliteEngine({ path: file() });
    const broker = new Broker(engine);
    const s = await broker.createStream('bulk', { partitions: 4 });
    const before = engine.commitStats.commits;
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => s.append({ body: i, key: `k${i % 13}` })));
    assert.ok(engine.commitStats.commits - before <= 2, `200 concurrent appends took ${engine.commitStats.commits - before} commits`);
    const perPartition = new Map<number, number[]>();
    for (const r of results) perPartition.set(r.partition, [...(perPartition.get(r.partition) ?? []), r.offset]);
    for (const offsets of perPartition.values()) assert.deepEqual([...offsets].sort((x, y) => x - y), offsets.map((_, i) => i), 'dense offsets');
    await broker.close();
  });

  it('upgrades a database made before streams (and first-receive times) existed, keeping its queues', async () => {
    const path = file();
    const raw = new Database(path);
    raw.pragma('journal_mode = WAL');
    migrate(raw, 1);
    storeAsVersion1(raw, 'jobs', 'kept');
    raw.close();
    const upgraded = await openBroker({ path });
    assert.equal((await upgraded.queue('jobs').receive())[0]?.body, 'kept');
    await (await upgraded.createStream('new')).append({ body: 1 });
    await upgraded.close();
    const check = new Database(path, { readonly: true });
    assert.equal(check.pragma('user_version', { simple: true }), schemaVersion);
    check.close();
  });
});
