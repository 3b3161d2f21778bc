/**
 * Crash safety of the transactional outbox: two processes write orders (each with its
 * order.created message in the same transaction) and relay them to the broker, and are killed
 * with SIGKILL at random moments, round after round — and also, on purpose, right after the
 * broker accepted a send and before the row was marked sent. Afterwards a fresh relay finishes
 * the job, and every committed order must have its message in the broker: lost = 0.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteOutbox, PostgresOutbox, type OutboxRelay } from '@switchyard/outbox';
import { openBroker } from '@switchyard/sqlite';
import Database from 'better-sqlite3';
import pg from 'pg';
import { postgresSkipReason, startPostgres } from '../support/postgres.js';
import { bundleWorker } from './bundle.js';
import { countLines, crashRound } from './rounds.js';
import { stderrLogger } from './workers/stderr-logger.js';

const rounds = Number(process.env.CRASH_ROUNDS_OUTBOX ?? 30);
const workerSource = join(import.meta.dirname, 'workers', 'outbox-writer.ts');

for (const kind of ['sqlite', 'postgres'] as const) {
  test(`outbox on ${kind} loses no committed message across SIGKILLs (${rounds} rounds)`, { timeout: 5 * 60_000 }, async (t) => {
    const server = kind === 'postgres' ? await startPostgres() : undefined;
    if (kind === 'postgres' && !server) {
      console.log(`crash: scenario=outbox-postgres skipped: ${postgresSkipReason}`);
      return t.skip(postgresSkipReason);
    }
    using bundle = await bundleWorker(workerSource);
    const writer = bundle.file;
    const dir = mkdtempSync(join(tmpdir(), `switchyard-crash-outbox-${kind}-`));
    try {
      const brokerPath = join(dir, 'broker.db');
      const log = join(dir, 'events.log');
      const app = server ? await server.createDatabase('orders') : join(dir, 'app.db');
      await setUp(kind, app, brokerPath);
      for (let round = 0; round < rounds; round++) {
        const args = (w: number) => [kind, app, brokerPath, log, `r${round}w${w}`];
        await crashRound([{ file: writer, args: args(0) }, { file: writer, args: args(1) }], 50, 400);
      }
      const v = await verdict(kind, app, brokerPath);
      const killedAfterPublish = countLines(readFileSync(log, 'utf8'), 'killed-after-publish');
      console.log(`crash: scenario=outbox-${kind} rounds=${rounds} committed=${v.committed} lost=${v.lost}`);
      console.log(`crash: detail scenario=outbox-${kind} delivered=${v.delivered} duplicates=${v.duplicates} killed_after_publish=${killedAfterPublish}`);
      assert.ok(v.committed > 0, 'no order was committed; the test proved nothing');
      assert.ok(killedAfterPublish > 0, 'no relay died between publish and mark; the test proved less than it claims');
      assert.equal(v.lost, 0, 'committed orders whose message never reached the broker');
    } finally {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

async function setUp(kind: 'sqlite' | 'postgres', app: string, brokerPath: string): Promise<void> {
  const broker = await openBroker({ path: brokerPath });
  await broker.createQueue('orders', { retentionMs: 3600_000 });
  await broker.close();
  if (kind === 'sqlite') {
    const db = new Database(app);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE orders (id TEXT PRIMARY KEY)');
    db.close();
  } else {
    const client = new pg.Client({ connectionString: app });
    await client.connect();
    await client.query('CREATE TABLE orders (id TEXT PRIMARY KEY)');
    await client.end();
  }
}

/** Lets a fresh relay deliver what the killed ones left (their leases end within 1.5 s), then compares. */
async function verdict(kind: 'sqlite' | 'postgres', app: string, brokerPath: string) {
  const broker = await openBroker({ path: brokerPath, durability: 'relaxed' });
  let committed: string[];
  let relay: OutboxRelay;
  let pending: () => Promise<number>;
  let close: () => Promise<void>;
  if (kind === 'sqlite') {
    const db = new Database(app, { timeout: 10_000 });
    const outbox = new SqliteOutbox(db);
    relay = outbox.relay(broker, { leaseMs: 1500, sweepIntervalMs: 100, batchSize: 500, logger: stderrLogger() });
    committed = (db.prepare('SELECT id FROM orders').all() as { id: string }[]).map((r) => r.id);
    pending = async () => (await outbox.stats()).pending;
    close = async () => void db.close();
  } else {
    const pool = new pg.Pool({ connectionString: app });
    const outbox = await PostgresOutbox.open(pool, { logger: stderrLogger() });
    relay = outbox.relay(broker, { leaseMs: 1500, sweepIntervalMs: 100, batchSize: 500, logger: stderrLogger() });
    committed = (await pool.query<{ id: string }>('SELECT id FROM orders')).rows.map((r) => r.id);
    pending = async () => (await outbox.stats()).pending;
    close = () => pool.end();
  }
  const deadline = Date.now() + 60_000;
  while ((await pending()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await relay.close();
  await close();
  const delivered: string[] = [];
  const q = broker.queue<{ orderId: string }>('orders');
  let cursor: string | undefined;
  do {
    const page = await q.peek({ max: 1000, ...(cursor ? { cursor } : {}) });
    delivered.push(...page.messages.map((m) => m.body.orderId));
    cursor = page.next;
  } while (cursor);
  await broker.close();
  const got = new Set(delivered);
  return { committed: committed.length, delivered: got.size, duplicates: delivered.length - got.size, lost: committed.filter((id) => !got.has(id)).length };
}
