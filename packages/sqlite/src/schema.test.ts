import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { tempFiles } from '../../../tests/support/temp-files.js';
import { openBroker } from './index.js';
import { migrate, schemaVersion } from './schema.js';

const { file } = tempFiles('schema');

/** Queue `jobs` (id 1), as every version so far stores a queue. */
function addQueue(db: Database.Database): void {
  db.prepare("INSERT INTO queues (name, fifo, visibility_ms, delay_ms, retention_ms, dedup_window_ms, created_at) VALUES ('jobs', 0, 30000, 0, 345600000, 300000, 0)").run();
}

/**
 * A file as schema version 3 left it: queue `jobs` holding `bodies.length` ready messages whose
 * bodies sit in the `bodies` table (text as TEXT, bytes as a BLOB), one row per message.
 */
function version3File(bodies: (string | Buffer)[]): string {
  const path = file();
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  migrate(db, 3);
  addQueue(db);
  const message = db.prepare(
    "INSERT INTO messages (queue_id, id, type, body_kind, ts, enqueued_at, available_at, visible_at, expires_at) VALUES (1, ?, 'message', ?, 0, 0, 0, 0, 9e15)",
  );
  const body = db.prepare('INSERT INTO bodies (seq, body) VALUES (last_insert_rowid(), ?)');
  bodies.forEach((b, i) => {
    message.run(`old-${i}`, typeof b === 'string' ? 1 : 2);
    body.run(b);
  });
  db.close();
  return path;
}

function count(path: string, sql: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare(sql).pluck().get() as number) ?? 0;
  } finally {
    db.close();
  }
}

describe('sqlite schema upgrades', () => {
  it('moves the bodies an older version stored apart into their rows (version 3 → 5), and reads, acks and purges them', async () => {
    const path = version3File(['first', Buffer.from([0, 1, 2]), 'third', 'fourth']);
    const broker = await openBroker({ path });
    const q = broker.queue('jobs');
    assert.equal(count(path, 'PRAGMA user_version'), schemaVersion);
    assert.equal(count(path, "SELECT count(*) FROM sqlite_schema WHERE name IN ('bodies', 'messages_drop_body')"), 0, 'the table and its trigger are gone');
    assert.equal(count(path, "SELECT count(*) FROM messages WHERE typeof(body) = 'text'"), 3);
    assert.equal(count(path, "SELECT count(*) FROM messages WHERE typeof(body) = 'blob'"), 1);
    const peeked = await q.peek({ max: 10 });
    assert.deepEqual(
      peeked.messages.map((m) => m.body),
      ['first', new Uint8Array([0, 1, 2]), 'third', 'fourth'],
    );
    const got = await q.receive({ max: 2 });
    assert.deepEqual(
      got.map((d) => d.body),
      ['first', new Uint8Array([0, 1, 2])],
    );
    await q.ack(got[0]!);
    await q.nack(got[1]!);
    await q.send({ body: 'new' });
    await broker.close();

    const again = await openBroker({ path });
    const rest = await again.queue('jobs').receive({ max: 10 });
    assert.deepEqual(
      rest.map((d) => d.body),
      [new Uint8Array([0, 1, 2]), 'third', 'fourth', 'new'],
    );
    assert.equal(await again.queue('jobs').purge(), 4);
    await again.close();
    assert.equal(count(path, 'SELECT count(*) FROM messages'), 0);
  });

  it('keeps both kinds of rows a version-4 file holds (body in the row, or still apart) when it moves to 5', async () => {
    const path = file();
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    migrate(db, 4);
    addQueue(db);
    const message = "INSERT INTO messages (queue_id, id, type, body_kind, ts, enqueued_at, available_at, visible_at, expires_at, body) VALUES (1, ?, 'message', 1, 0, 0, 0, 0, 9e15, ?)";
    db.prepare(message).run('apart', null);
    db.prepare('INSERT INTO bodies (seq, body) VALUES (last_insert_rowid(), ?)').run('stored apart');
    db.prepare(message).run('inline', 'stored in its row');
    db.close();

    const broker = await openBroker({ path });
    const got = await broker.queue('jobs').receive({ max: 10 });
    assert.deepEqual(
      got.map((d) => [d.id, d.body]),
      [
        ['apart', 'stored apart'],
        ['inline', 'stored in its row'],
      ],
    );
    await broker.close();
    assert.equal(count(path, 'PRAGMA user_version'), schemaVersion);
    assert.equal(count(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'bodies'"), 0);
  });

  it('opens a current file without the write lock, so another process holding it does not stop the open', async () => {
    const path = file();
    await (await openBroker({ path })).close();
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      const broker = await openBroker({ path, busyTimeoutMs: 50 });
      await assert.rejects(broker.createQueue('jobs'), { code: 'BUSY' }, 'writes still wait for the lock');
      await broker.close();
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });

  it('waits longer than the busy timeout for another process before it upgrades a file', async () => {
    const path = version3File(['first']);
    // Another process (a thread here, with its own connection) holds the write lock for 300 ms.
    const holder = new Worker(
      `const Database = require('better-sqlite3');
       const { parentPort, workerData } = require('node:worker_threads');
       const db = new Database(workerData);
       db.exec('BEGIN IMMEDIATE');
       parentPort.postMessage('locked');
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
       db.exec('ROLLBACK');
       db.close();`,
      { eval: true, workerData: path },
    );
    const exited = once(holder, 'exit');
    await once(holder, 'message');
    const broker = await openBroker({ path, busyTimeoutMs: 50 });
    assert.equal(count(path, 'PRAGMA user_version'), schemaVersion);
    assert.deepEqual(
      (await broker.queue('jobs').receive()).map((d) => d.body),
      ['first'],
    );
    await broker.close();
    await exited;
  });
});
