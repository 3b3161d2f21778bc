import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Broker, ManualClock } from '@switchyard/core';
import { tempFiles } from '../../../tests/support/temp-files.js';
import { openBroker, SqliteEngine } from './index.js';

const { file } = tempFiles('sqlite');

describe('sqlite engine on a file', () => {
  it('keeps sent messages across close and reopen, and forgets acked ones', async () => {
    const path = file();
    const first = await openBroker({ path });
    const q = await first.createQueue('jobs');
    await q.sendBatch([{ body: 'one' }, { body: 'two' }]);
    const [m] = await q.receive();
    await q.ack(m!);
    await first.close();

    const second = await openBroker({ path });
    const left = await second.queue('jobs').receive({ max: 10 });
    assert.deepEqual(
      left.map((d) => d.body),
      ['two'],
    );
    await second.close();
  });

  it('coalesces concurrent sends and acks into few commits (group commit)', async () => {
    const engine = new SqliteEngine({ path: file() });
    const broker = new Broker(engine);
    const q = await broker.createQueue('bulk');
    const before = engine.commitStats.commits;
    await Promise.all(Array.from({ length: 200 }, (_, i) => q.send({ body: { i } })));
    const sendCommits = engine.commitStats.commits - before;
    assert.ok(sendCommits <= 2, `200 concurrent sends took ${sendCommits} commits`);
    const got = await q.receive({ max: 200 });
    assert.equal(got.length, 200);
    const mid = engine.commitStats.commits;
    await Promise.all(got.map((d) => q.ack(d)));
    assert.ok(engine.commitStats.commits - mid <= 2, 'acks did not coalesce');
    assert.equal((await q.stats()).ready, 0);
    await broker.close();
  });

  it('waits up to commitWaitTurns turns of the event loop for operations that keep arriving', async () => {
    const sendOverTurns = async (engine: SqliteEngine, turns: number) => {
      const q = await new Broker(engine).createQueue('trickle');
      const before = engine.commitStats.commits;
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < turns; i++) {
        sends.push(q.send({ body: i }));
        await new Promise((r) => setImmediate(r)); // the next one arrives a turn later
      }
      await Promise.all(sends);
      return engine.commitStats.commits - before;
    };
    const eager = new SqliteEngine({ path: file(), commitWaitTurns: 0 });
    const patient = new SqliteEngine({ path: file(), commitWaitTurns: 2 });
    assert.equal(await sendOverTurns(eager, 3), 3, 'without waiting, one commit per turn');
    assert.equal(await sendOverTurns(patient, 3), 1, 'three sends a turn apart share one commit');
    // A turn that brings nothing commits at once: a lone send is not held back.
    const lone = patient.commitStats.commits;
    await new Broker(patient).queue('trickle').send({ body: 'alone' });
    assert.equal(patient.commitStats.commits - lone, 1);
    assert.throws(() => new SqliteEngine({ commitWaitTurns: -1 }), { code: 'INVALID_ARGUMENT' });
    await eager.close();
    await patient.close();
  });

  it('answers BUSY, writing nothing, when another process holds the write lock past the busy timeout', async () => {
    const path = file();
    const broker = await openBroker({ path, busyTimeoutMs: 50 });
    const q = await broker.createQueue('jobs');
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      await assert.rejects(q.send({ body: 'blocked' }), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'BUSY');
        assert.equal((err.cause as { code?: string }).code, 'SQLITE_BUSY');
        return true;
      });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    assert.equal((await q.stats()).ready, 0, 'the refused send stored nothing');
    await q.send({ body: 'after' });
    assert.deepEqual((await q.receive()).map((d) => d.body), ['after']);
    await broker.close();
  });

  it('answers stats, peek and look-ups while another process holds the write lock, seeing what was sent before', async () => {
    const path = file();
    const broker = await openBroker({ path, busyTimeoutMs: 50 });
    const q = await broker.createQueue('jobs');
    await q.sendBatch([{ body: 1 }, { body: 2 }]);
    const sent = q.send({ body: 3 }); // not awaited: stats below still sees it
    const counted = q.stats();
    await sent;
    assert.equal((await counted).ready, 3);
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      // Reads hold no write lock: they neither wait for this one nor fail with BUSY.
      assert.equal((await q.stats()).ready, 3);
      assert.deepEqual(
        (await q.peek()).messages.map((m) => m.body),
        [1, 2, 3],
      );
      assert.equal((await q.info()).name, 'jobs');
      assert.deepEqual(
        (await broker.listQueues()).map((i) => i.name),
        ['jobs'],
      );
      await assert.rejects(q.send({ body: 'blocked' }), { code: 'BUSY' });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    await broker.close();
  });

  it('gives a new file 8 KiB pages and keeps the pages of an existing one', async () => {
    const pageSize = (path: string) => {
      const db = new Database(path, { readonly: true });
      try {
        return db.pragma('page_size', { simple: true }) as number;
      } finally {
        db.close();
      }
    };
    const fresh = file();
    const broker = await openBroker({ path: fresh });
    await (await broker.createQueue('jobs')).send({ body: 'x' });
    await broker.close();
    assert.equal(pageSize(fresh), 8192);

    // A file made before (4 KiB pages, SQLite's default) keeps them, and its messages.
    const old = file();
    const before = await openBroker({ path: old });
    await before.close();
    const raw = new Database(old);
    raw.pragma('journal_mode = DELETE');
    raw.pragma('page_size = 4096');
    raw.exec('VACUUM');
    raw.pragma('journal_mode = WAL');
    raw.close();
    assert.equal(pageSize(old), 4096);
    const reopened = await openBroker({ path: old });
    const q = await reopened.createQueue('jobs');
    await q.sendBatch(Array.from({ length: 50 }, (_, i) => ({ body: { i } })));
    assert.equal((await q.receive({ max: 100 })).length, 50);
    await reopened.close();
    assert.equal(pageSize(old), 4096);
  });

  it('refuses a database written by a newer schema', async () => {
    const path = file();
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path);
    db.pragma('user_version = 999');
    db.close();
    assert.throws(() => new SqliteEngine({ path }), /newer than this version/);
  });

  it('validates its options', () => {
    assert.throws(() => new SqliteEngine({ durability: 'sometimes' as 'fsync' }), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => new SqliteEngine({ busyTimeoutMs: -1 }), { code: 'INVALID_ARGUMENT' });
  });

  it('sweeps expired messages on its timer, counting them', async () => {
    const clock = new ManualClock();
    const path = file();
    const engine = new SqliteEngine({ path, clock, sweepIntervalMs: 1000 });
    const broker = new Broker(engine, { clock });
    const q = await broker.createQueue('short', { retentionMs: 60_000 });
    await q.send({ body: 'old' });
    await clock.advance(59_000);
    const { default: Database } = await import('better-sqlite3');
    const raw = new Database(path, { readonly: true });
    const count = () => raw.prepare('SELECT count(*) FROM messages').pluck().get();
    const expired = () => raw.prepare('SELECT expired FROM queues').pluck().get();
    assert.equal(count(), 1);
    await clock.advance(2_000);
    // Nobody read the queue: the sweeper alone removed and counted it.
    assert.equal(count(), 0);
    assert.equal(expired(), 1);
    raw.close();
    await broker.close();
  });

  it('leaves expired messages out of peek without dropping them, and stats drops them once', async () => {
    const clock = new ManualClock();
    const path = file();
    const engine = new SqliteEngine({ path, clock, sweepIntervalMs: 3_600_000 });
    const broker = new Broker(engine, { clock });
    const q = await broker.createQueue('short', { retentionMs: 60_000 });
    await q.send({ id: 'old', body: 1 });
    await clock.advance(30_000);
    await q.send({ id: 'new', body: 2 });
    await clock.advance(31_000);
    const { default: Database } = await import('better-sqlite3');
    const raw = new Database(path, { readonly: true });
    const stored = () => raw.prepare('SELECT id FROM messages ORDER BY seq').pluck().all();
    const page = await q.peek({ max: 1 });
    assert.deepEqual(
      page.messages.map((m) => m.id),
      ['new'],
    );
    assert.equal(page.next, undefined, 'the expired message does not make a second page');
    assert.deepEqual(stored(), ['old', 'new'], 'peek only reads');
    const s = await q.stats();
    assert.equal(s.ready, 1);
    assert.equal(s.expired, 1);
    assert.deepEqual(stored(), ['new']);
    raw.close();
    await broker.close();
  });
});
