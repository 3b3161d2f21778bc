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
  // 2: streams (see streams/). Records are keyed by (stream, partition, offset) without a rowid:
  // appends go to the end of each partition's range and retention deletes from its start.
  // max_ts is the running maximum of ts in the partition, so it grows with the offset and an
  // offset-for-timestamp lookup is a binary search on the primary key.
  `
  CREATE TABLE streams (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    name                 TEXT NOT NULL UNIQUE,
    partitions           INTEGER NOT NULL,
    retention_ms         INTEGER,
    retention_bytes      INTEGER,
    created_at           INTEGER NOT NULL,
    next_keyless         INTEGER NOT NULL DEFAULT 0,
    removed_by_age       INTEGER NOT NULL DEFAULT 0,
    removed_by_size      INTEGER NOT NULL DEFAULT 0,
    removed_uncommitted  INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE stream_partitions (
    stream_id  INTEGER NOT NULL,
    part       INTEGER NOT NULL,
    start_off  INTEGER NOT NULL DEFAULT 0,
    end_off    INTEGER NOT NULL DEFAULT 0,
    bytes      INTEGER NOT NULL DEFAULT 0,
    max_ts     INTEGER,
    PRIMARY KEY (stream_id, part)
  ) WITHOUT ROWID;
  CREATE TABLE stream_records (
    stream_id    INTEGER NOT NULL,
    part         INTEGER NOT NULL,
    off          INTEGER NOT NULL,
    id           TEXT NOT NULL,
    type         TEXT NOT NULL,
    body_kind    INTEGER NOT NULL,
    body         BLOB NOT NULL,
    headers      TEXT,
    key          TEXT,
    ts           INTEGER NOT NULL,
    max_ts       INTEGER NOT NULL,
    appended_at  INTEGER NOT NULL,
    size         INTEGER NOT NULL,
    PRIMARY KEY (stream_id, part, off)
  ) WITHOUT ROWID;
  CREATE TABLE stream_groups (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id   INTEGER NOT NULL,
    name        TEXT NOT NULL,
    strategy    TEXT NOT NULL,
    start       TEXT NOT NULL,
    generation  INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    UNIQUE (stream_id, name)
  );
  CREATE TABLE stream_members (
    group_id    INTEGER NOT NULL,
    member_id   TEXT NOT NULL,
    session_ms  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    reported    TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (group_id, member_id)
  ) WITHOUT ROWID;
  CREATE TABLE stream_owners (
    group_id   INTEGER NOT NULL,
    part       INTEGER NOT NULL,
    member_id  TEXT NOT NULL,
    since_gen  INTEGER NOT NULL,
    PRIMARY KEY (group_id, part)
  ) WITHOUT ROWID;
  CREATE TABLE stream_offsets (
    group_id      INTEGER NOT NULL,
    part          INTEGER NOT NULL,
    off           INTEGER NOT NULL,
    committed_at  INTEGER NOT NULL,
    PRIMARY KEY (group_id, part)
  ) WITHOUT ROWID;
  CREATE TABLE stream_state (
    group_id  INTEGER NOT NULL,
    part      INTEGER NOT NULL,
    key       TEXT NOT NULL,
    value     BLOB NOT NULL,
    PRIMARY KEY (group_id, part, key)
  ) WITHOUT ROWID;
  `,
  // 3: when a message was first leased (SQS's ApproximateFirstReceiveTimestamp), and the number
  // of the message a dedup id stands for (a duplicate answers with the first one's number).
  `
  ALTER TABLE messages ADD COLUMN first_received_at INTEGER;
  ALTER TABLE dedup ADD COLUMN seq INTEGER;
  `,
  // 4: a message's body in its own row. One row per message instead of two: the send inserts one
  // row, the lease reads the body without a second lookup and the ack deletes one row
  // (e2e +6.5%, BENCHMARKS.md). Version 4 still read older rows' bodies from `bodies`.
  `
  ALTER TABLE messages ADD COLUMN body;
  DROP TRIGGER messages_drop_body;
  CREATE TRIGGER messages_drop_body AFTER DELETE ON messages WHEN old.body IS NULL BEGIN
    DELETE FROM bodies WHERE seq = old.seq;
  END;
  `,
  // 5: the bodies of messages stored before version 4 move into their rows, and `bodies` and its
  // trigger go: a table with a trigger makes SQLite open a statement journal for every delete
  // (each ack): 10.04 -> 9.66 us per message in a raw harness. This rewrites the messages that were waiting when the file
  // was upgraded, once, inside the migration's transaction.
  `
  UPDATE messages SET body = (SELECT body FROM bodies WHERE bodies.seq = messages.seq) WHERE body IS NULL;
  DROP TRIGGER messages_drop_body;
  DROP TABLE bodies;
  `,
];

/** The schema version `migrate` brings a file to. */
export const schemaVersion = migrations.length;

/**
 * Brings the schema up to date; safe when several processes open the same file at once.
 * `upTo` stops at an earlier version (for tests that make a file as an older release left it).
 */
export function migrate(db: Database, upTo = schemaVersion): void {
  // Most opens find the file current: a read tells, and no write lock is taken (another process
  // may hold it for a while).
  if (checkedVersion(db) >= upTo) return;
  // An upgrade may rewrite every waiting message (version 5); a process opening the file at the
  // same moment waits for it rather than failing after the usual busy timeout.
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma(`busy_timeout = ${Math.max(timeout, migrationBusyTimeoutMs)}`);
  try {
    db.exec('BEGIN IMMEDIATE');
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
  try {
    // Again under the lock: another process may have upgraded it meanwhile.
    const version = checkedVersion(db);
    for (let v = version; v < upTo; v++) db.exec(migrations[v] as string);
    if (upTo > version) db.pragma(`user_version = ${upTo}`);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

/** How long opening a file waits for another process's lock before it upgrades the file: 60 s. */
export const migrationBusyTimeoutMs = 60_000;

function checkedVersion(db: Database): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > migrations.length) {
    throw new Error(`database schema version ${version} is newer than this version of @switchyard/sqlite understands (${migrations.length})`);
  }
  return version;
}
