import type { Database } from 'better-sqlite3';

/**
 * The outbox table on the user's SQLite database. `seq` orders delivery (AUTOINCREMENT: never
 * reused, so a later row always sorts after an earlier one even after deletes). Partial indexes
 * keep the relay's queries on pending rows only.
 */
export function migrateOutbox(db: Database, t: string): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS ${t} (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL,
      dest_kind TEXT NOT NULL CHECK (dest_kind IN ('queue', 'topic')),
      destination TEXT NOT NULL,
      type TEXT NOT NULL,
      body_kind INTEGER NOT NULL,
      body BLOB NOT NULL,
      headers TEXT NOT NULL,
      msg_key TEXT,
      dedup_id TEXT,
      delay_ms INTEGER,
      timestamp INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      available_at INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      lease_owner TEXT,
      lease_until INTEGER NOT NULL DEFAULT 0,
      sent_at INTEGER
    );
    CREATE INDEX IF NOT EXISTS ${t}_pending ON ${t} (seq) WHERE sent_at IS NULL;
    CREATE INDEX IF NOT EXISTS ${t}_pending_key ON ${t} (msg_key, destination, seq) WHERE sent_at IS NULL AND msg_key IS NOT NULL;
    CREATE INDEX IF NOT EXISTS ${t}_sent ON ${t} (sent_at) WHERE sent_at IS NOT NULL;
  `);
}

/** Processed message ids of the inbox, per consumer name. */
export function migrateInbox(db: Database, t: string): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS ${t} (
      consumer TEXT NOT NULL,
      message_id TEXT NOT NULL,
      processed_at INTEGER NOT NULL,
      PRIMARY KEY (consumer, message_id)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS ${t}_processed ON ${t} (consumer, processed_at);
  `);
}

/**
 * The event store: `position` orders all events (AUTOINCREMENT: never reused; SQLite has one
 * writer, so positions are taken in commit order); UNIQUE (stream_id, version) makes two appends
 * of the same version impossible, whatever the isolation.
 */
export function migrateEventStore(db: Database, t: string): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS ${t} (
      position INTEGER PRIMARY KEY AUTOINCREMENT,
      stream_id TEXT NOT NULL,
      version INTEGER NOT NULL CHECK (version >= 1),
      id TEXT NOT NULL,
      type TEXT NOT NULL,
      body_kind INTEGER NOT NULL,
      body BLOB NOT NULL,
      headers TEXT NOT NULL,
      timestamp INTEGER NOT NULL,
      recorded_at INTEGER NOT NULL,
      UNIQUE (stream_id, version)
    );
  `);
}

/** Saga state, one row per (type, id); the partial index serves the supervisor's `findStale`. */
export function migrateSagaStore(db: Database, t: string): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS ${t} (
      saga_type TEXT NOT NULL,
      saga_id TEXT NOT NULL,
      state TEXT NOT NULL,
      version INTEGER NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'compensating', 'failed')),
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (saga_type, saga_id)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS ${t}_active ON ${t} (updated_at) WHERE status IN ('running', 'compensating');
  `);
}
