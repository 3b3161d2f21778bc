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
