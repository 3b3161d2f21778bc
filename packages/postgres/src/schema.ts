import type pg from 'pg';

/**
 * The tables, in the engine's own schema. The model is the SQLite engine's: a message is ready
 * when visible_at <= now; leasing, delaying and nacking only move visible_at (and set `lease`
 * while leased). On FIFO queues every message behind its group's head holds visible_at = BLOCKED.
 * Times are epoch milliseconds from the engine's clock, passed in as parameters: the server's
 * own clock is never read, so an injected clock drives visibility, delays and retention.
 */
export const BLOCKED = Number.MAX_SAFE_INTEGER;

const ddl = `
  CREATE TABLE IF NOT EXISTS queues (
    id               bigserial PRIMARY KEY,
    name             text NOT NULL UNIQUE,
    fifo             boolean NOT NULL,
    visibility_ms    bigint NOT NULL,
    delay_ms         bigint NOT NULL,
    retention_ms     bigint NOT NULL,
    dlq_id           bigint,
    max_receives     integer,
    dedup_window_ms  bigint NOT NULL,
    created_at       bigint NOT NULL,
    dead_lettered    bigint NOT NULL DEFAULT 0,
    expired          bigint NOT NULL DEFAULT 0
  );
  CREATE TABLE IF NOT EXISTS messages (
    seq              bigserial PRIMARY KEY,
    queue_id         bigint NOT NULL,
    id               text NOT NULL,
    type             text NOT NULL,
    body_kind        smallint NOT NULL,
    body             bytea NOT NULL,
    headers          text,
    key              text,
    dedup_id         text,
    ts               bigint NOT NULL,
    enqueued_at      bigint NOT NULL,
    available_at     bigint NOT NULL,
    visible_at       bigint NOT NULL,
    lease            bigint,
    receives         integer NOT NULL DEFAULT 0,
    expires_at       bigint NOT NULL,
    fifo_group       text,
    source_queue_id  bigint,
    last_error       text
  );
  CREATE INDEX IF NOT EXISTS messages_ready ON messages (queue_id, visible_at, seq);
  CREATE INDEX IF NOT EXISTS messages_group ON messages (queue_id, fifo_group, seq) WHERE fifo_group IS NOT NULL;
  CREATE INDEX IF NOT EXISTS messages_expiry ON messages (expires_at);
  CREATE TABLE IF NOT EXISTS dedup (
    queue_id    bigint NOT NULL,
    dedup_id    text NOT NULL,
    message_id  text NOT NULL,
    expires_at  bigint NOT NULL,
    PRIMARY KEY (queue_id, dedup_id)
  );
  CREATE TABLE IF NOT EXISTS topics (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    created_at  bigint NOT NULL
  );
  CREATE TABLE IF NOT EXISTS subscriptions (
    id          text PRIMARY KEY,
    topic_id    bigint NOT NULL,
    queue_id    bigint NOT NULL,
    filter      text,
    created_at  bigint NOT NULL,
    UNIQUE (topic_id, queue_id)
  );
`;

/**
 * Creates the schema and its tables when missing. An advisory lock serialises engines starting
 * at once against the same database (CREATE ... IF NOT EXISTS alone races on the catalog).
 */
export async function migrate(client: pg.ClientBase, schema: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('switchyard.migrate'))`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`SET LOCAL search_path = ${schema}`);
    await client.query(ddl);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
