import type pg from 'pg';

/**
 * The tables, in the engine's own schema. The model is the SQLite engine's: a message is ready
 * when visible_at <= now; leasing, delaying and nacking only move visible_at (and set `lease`
 * while leased). On FIFO queues every message behind its group's head holds visible_at = BLOCKED.
 * Times are epoch milliseconds from the engine's clock, passed in as parameters: the server's
 * own clock is never read, so an injected clock drives visibility, delays and retention.
 */
export const BLOCKED = Number.MAX_SAFE_INTEGER;

/**
 * Numbered migrations, applied in order; the schema's version is the count applied. Never edit
 * one that has shipped: add the next. The first is written with IF NOT EXISTS because schemas
 * made before versioning existed hold its tables without a version row.
 */
const migrations: string[] = [
  // 1: queues and topics.
  `
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
`,
  // 2: streams (see streams/). Records are keyed by (stream, partition, offset): appends go to
  // the end of each partition's range, retention deletes from its start. A partition's row is
  // also its append lock (streams/locks.ts). max_ts is the running maximum of ts in the
  // partition, so it grows with the offset and offset-for-timestamp is a binary search;
  // stream_partitions.appended_at is the latest appended_at, which keeps appended_at from going
  // backwards when engines' clocks disagree or an append waited for the lock.
  `
  CREATE TABLE streams (
    id                   bigserial PRIMARY KEY,
    name                 text NOT NULL UNIQUE,
    partitions           integer NOT NULL,
    retention_ms         bigint,
    retention_bytes      bigint,
    created_at           bigint NOT NULL,
    next_keyless         integer NOT NULL DEFAULT 0,
    removed_by_age       bigint NOT NULL DEFAULT 0,
    removed_by_size      bigint NOT NULL DEFAULT 0,
    removed_uncommitted  bigint NOT NULL DEFAULT 0
  );
  CREATE TABLE stream_partitions (
    stream_id    bigint NOT NULL,
    part         integer NOT NULL,
    start_off    bigint NOT NULL DEFAULT 0,
    end_off      bigint NOT NULL DEFAULT 0,
    bytes        bigint NOT NULL DEFAULT 0,
    max_ts       bigint,
    appended_at  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (stream_id, part)
  );
  CREATE TABLE stream_records (
    stream_id    bigint NOT NULL,
    part         integer NOT NULL,
    off          bigint NOT NULL,
    id           text NOT NULL,
    type         text NOT NULL,
    body_kind    smallint NOT NULL,
    body         bytea NOT NULL,
    headers      text,
    key          text,
    ts           bigint NOT NULL,
    max_ts       bigint NOT NULL,
    appended_at  bigint NOT NULL,
    size         integer NOT NULL,
    PRIMARY KEY (stream_id, part, off)
  );
  CREATE TABLE stream_groups (
    id          bigserial PRIMARY KEY,
    stream_id   bigint NOT NULL,
    name        text NOT NULL,
    strategy    text NOT NULL,
    start       text NOT NULL,
    generation  bigint NOT NULL DEFAULT 0,
    created_at  bigint NOT NULL,
    UNIQUE (stream_id, name)
  );
  CREATE TABLE stream_members (
    group_id    bigint NOT NULL,
    member_id   text NOT NULL,
    session_ms  bigint NOT NULL,
    expires_at  bigint NOT NULL,
    reported    text NOT NULL DEFAULT '[]',
    PRIMARY KEY (group_id, member_id)
  );
  CREATE TABLE stream_owners (
    group_id   bigint NOT NULL,
    part       integer NOT NULL,
    member_id  text NOT NULL,
    since_gen  bigint NOT NULL,
    PRIMARY KEY (group_id, part)
  );
  CREATE TABLE stream_offsets (
    group_id      bigint NOT NULL,
    part          integer NOT NULL,
    off           bigint NOT NULL,
    committed_at  bigint NOT NULL,
    PRIMARY KEY (group_id, part)
  );
  CREATE TABLE stream_state (
    group_id  bigint NOT NULL,
    part      integer NOT NULL,
    key       text NOT NULL,
    value     bytea NOT NULL,
    PRIMARY KEY (group_id, part, key)
  );
  `,
];

/**
 * Creates the schema when missing and applies the migrations it lacks, recording the version in
 * `schema_version`. An advisory lock serialises engines starting at once against the same
 * database (CREATE ... IF NOT EXISTS alone races on the catalog), so each migration runs once.
 */
export async function migrate(client: pg.ClientBase, schema: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('switchyard.migrate'))`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`SET LOCAL search_path = ${schema}`);
    await client.query('CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)');
    const [row] = (await client.query<{ version: number }>('SELECT version FROM schema_version')).rows;
    const version = row?.version ?? 0;
    if (version > migrations.length) {
      throw new Error(`schema ${schema} is at version ${version}, newer than this version of @switchyard/postgres understands (${migrations.length})`);
    }
    for (let v = version; v < migrations.length; v++) await client.query(migrations[v] as string);
    if (!row) await client.query('INSERT INTO schema_version (version) VALUES ($1)', [migrations.length]);
    else if (version < migrations.length) await client.query('UPDATE schema_version SET version = $1', [migrations.length]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
