import type { Pool } from 'pg';

/**
 * Runs DDL once per database even when several processes start together: CREATE … IF NOT
 * EXISTS alone can still collide on PostgreSQL's catalogs, so it runs under an advisory lock.
 */
async function migrate(pool: Pool, lockName: string, ddl: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockName]);
    await client.query(ddl);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** The outbox table; the same shape as on SQLite (see sqlite/schema.ts). */
export function migrateOutbox(pool: Pool, t: string): Promise<void> {
  return migrate(
    pool,
    `switchyard:migrate:${t}`,
    `CREATE TABLE IF NOT EXISTS ${t} (
      seq BIGSERIAL PRIMARY KEY,
      id TEXT NOT NULL,
      dest_kind TEXT NOT NULL CHECK (dest_kind IN ('queue', 'topic')),
      destination TEXT NOT NULL,
      type TEXT NOT NULL,
      body_kind SMALLINT NOT NULL,
      body BYTEA NOT NULL,
      headers TEXT NOT NULL,
      msg_key TEXT,
      dedup_id TEXT,
      delay_ms INTEGER,
      timestamp BIGINT NOT NULL,
      created_at BIGINT NOT NULL,
      available_at BIGINT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      lease_owner TEXT,
      lease_until BIGINT NOT NULL DEFAULT 0,
      sent_at BIGINT
    );
    CREATE INDEX IF NOT EXISTS ${t}_pending ON ${t} (seq) WHERE sent_at IS NULL;
    CREATE INDEX IF NOT EXISTS ${t}_pending_key ON ${t} (msg_key, destination, seq) WHERE sent_at IS NULL AND msg_key IS NOT NULL;
    CREATE INDEX IF NOT EXISTS ${t}_sent ON ${t} (sent_at) WHERE sent_at IS NOT NULL;`,
  );
}

export function migrateInbox(pool: Pool, t: string): Promise<void> {
  return migrate(
    pool,
    `switchyard:migrate:${t}`,
    `CREATE TABLE IF NOT EXISTS ${t} (
      consumer TEXT NOT NULL,
      message_id TEXT NOT NULL,
      processed_at BIGINT NOT NULL,
      PRIMARY KEY (consumer, message_id)
    );
    CREATE INDEX IF NOT EXISTS ${t}_processed ON ${t} (consumer, processed_at);`,
  );
}

/**
 * The event store; the same shape as on SQLite. The unique constraint is named so that a
 * violation of it can be told from any other (`${t}_version` fits PostgreSQL's 63 characters).
 */
export function migrateEventStore(pool: Pool, t: string): Promise<void> {
  return migrate(
    pool,
    `switchyard:migrate:${t}`,
    `CREATE TABLE IF NOT EXISTS ${t} (
      position BIGSERIAL PRIMARY KEY,
      stream_id TEXT NOT NULL,
      version BIGINT NOT NULL CHECK (version >= 1),
      id TEXT NOT NULL,
      type TEXT NOT NULL,
      body_kind SMALLINT NOT NULL,
      body BYTEA NOT NULL,
      headers TEXT NOT NULL,
      timestamp BIGINT NOT NULL,
      recorded_at BIGINT NOT NULL,
      CONSTRAINT ${t}_version UNIQUE (stream_id, version)
    );`,
  );
}

export function migrateSagaStore(pool: Pool, t: string): Promise<void> {
  return migrate(
    pool,
    `switchyard:migrate:${t}`,
    `CREATE TABLE IF NOT EXISTS ${t} (
      saga_type TEXT NOT NULL,
      saga_id TEXT NOT NULL,
      state TEXT NOT NULL,
      version BIGINT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'compensating', 'failed')),
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL,
      PRIMARY KEY (saga_type, saga_id)
    );
    CREATE INDEX IF NOT EXISTS ${t}_active ON ${t} (updated_at) WHERE status IN ('running', 'compensating');`,
  );
}
