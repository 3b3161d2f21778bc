import type { Database } from 'better-sqlite3';

/**
 * The schema, as numbered migrations applied in order under `PRAGMA user_version`.
 *
 * messages.visible_at is the heart of it: a message is ready when visible_at <= now. Leasing,
 * delaying and nacking only move visible_at (and set `lease` while leased). On FIFO queues every
 * message behind its group's head holds visible_at = BLOCKED, so the ready index never has to
 * step over them; removing a head promotes the next message of its group.
 */
export const BLOCKED = Number.MAX_SAFE_INTEGER;

const migrations: string[] = [
  `
  CREATE TABLE queues (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    name             TEXT NOT NULL UNIQUE,
    fifo             INTEGER NOT NULL,
    visibility_ms    INTEGER NOT NULL,
    delay_ms         INTEGER NOT NULL,
    retention_ms     INTEGER NOT NULL,
    dlq_id           INTEGER,
    max_receives     INTEGER,
    dedup_window_ms  INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    dead_lettered    INTEGER NOT NULL DEFAULT 0,
    expired          INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE messages (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    queue_id         INTEGER NOT NULL,
    id               TEXT NOT NULL,
    type             TEXT NOT NULL,
    body_kind        INTEGER NOT NULL,
    headers          TEXT,
    key              TEXT,
    dedup_id         TEXT,
    ts               INTEGER NOT NULL,
    enqueued_at      INTEGER NOT NULL,
    available_at     INTEGER NOT NULL,
    visible_at       INTEGER NOT NULL,
    lease            INTEGER,
    receives         INTEGER NOT NULL DEFAULT 0,
    expires_at       INTEGER NOT NULL,
    fifo_group       TEXT,
    source_queue_id  INTEGER,
    last_error       TEXT
  );
  CREATE TABLE bodies (
    seq   INTEGER PRIMARY KEY,
    body  BLOB NOT NULL
  );
  CREATE TRIGGER messages_drop_body AFTER DELETE ON messages BEGIN
    DELETE FROM bodies WHERE seq = old.seq;
  END;
  CREATE INDEX messages_ready ON messages (queue_id, visible_at, seq);
  CREATE INDEX messages_group ON messages (queue_id, fifo_group, seq) WHERE fifo_group IS NOT NULL;
  CREATE TABLE dedup (
    queue_id    INTEGER NOT NULL,
    dedup_id    TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (queue_id, dedup_id)
  ) WITHOUT ROWID;
  CREATE INDEX dedup_expiry ON dedup (expires_at);
  CREATE TABLE topics (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
  );
  CREATE TABLE subscriptions (
    id          TEXT PRIMARY KEY,
    topic_id    INTEGER NOT NULL,
    queue_id    INTEGER NOT NULL,
    filter      TEXT,
    created_at  INTEGER NOT NULL,
    UNIQUE (topic_id, queue_id)
  );
  `,
];

/** Brings the schema up to date; safe when several processes open the same file at once. */
export function migrate(db: Database): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > migrations.length) {
      throw new Error(`database schema version ${version} is newer than this version of @switchyard/sqlite understands (${migrations.length})`);
    }
    for (let v = version; v < migrations.length; v++) db.exec(migrations[v] as string);
    db.pragma(`user_version = ${migrations.length}`);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}
