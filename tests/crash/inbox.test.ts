/**
 * Crash safety of the transactional inbox: two consumer processes handle orders through the
 * inbox and are killed with SIGKILL at random moments, round after round — and also, on
 * purpose, after the handler's transaction committed and before its ack. Every message is
 * also sent twice now and then (as a relay that crashed before marking would). Afterwards a
 * kill-free consumer drains the queue, and the business logic must have run exactly once per
 * message: handled_twice = 0 and missing = 0.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openBroker } from '@switchyard/sqlite';
import Database from 'better-sqlite3';
import pg from 'pg';
import { postgresSkipReason, startPostgres } from '../support/postgres.js';
import { bundleWorker } from './bundle.js';
import { countLines, crashRound, runToEnd } from './rounds.js';

const rounds = Number(process.env.CRASH_ROUNDS_INBOX ?? 30);
const workerSource = join(import.meta.dirname, 'workers', 'inbox-consumer.ts');
const perRound = 80;

for (const kind of ['sqlite', 'postgres'] as const) {
  test(`inbox on ${kind} never runs the business logic twice across SIGKILLs (${rounds} rounds)`, { timeout: 5 * 60_000 }, async (t) => {
    const server = kind === 'postgres' ? await startPostgres() : undefined;
    if (kind === 'postgres' && !server) {
      console.log(`crash: scenario=inbox-postgres skipped: ${postgresSkipReason}`);
      return t.skip(postgresSkipReason);
    }
    using bundle = await bundleWorker(workerSource);
    const consumer = bundle.file;
    const dir = mkdtempSync(join(tmpdir(), `switchyard-crash-inbox-${kind}-`));
    try {
      const brokerPath = join(dir, 'broker.db');
      const log = join(dir, 'events.log');
      const app = server ? await server.createDatabase('billing') : join(dir, 'billing.db');
      await createHandledTable(kind, app);
      const broker = await openBroker({ path: brokerPath, durability: 'relaxed' });
      const q = await broker.createQueue('orders', { visibilityTimeoutMs: 1000, retentionMs: 3600_000 });
      const ids: string[] = [];
      for (let round = 0; round < rounds; round++) {
        const batch = Array.from({ length: perRound }, (_, i) => ({ id: `r${round}-${i}`, body: { orderId: `r${round}-${i}` } }));
        ids.push(...batch.map((m) => m.id));
        await q.sendBatch(batch);
        await q.sendBatch(batch.filter(() => Math.random() < 0.3)); // duplicates, same ids
        const args = [kind, app, brokerPath, log];
        await crashRound([{ file: consumer, args }, { file: consumer, args }], 50, 400);
      }
      await broker.close();
      await runToEnd({ file: consumer, args: [kind, app, brokerPath, log, 'no-kill'] });
      const events = readFileSync(log, 'utf8');
      const handled = await handledCounts(kind, app);
      const handledTwice = [...handled.values()].filter((n) => n > 1).length;
      const missing = ids.filter((id) => !handled.has(id)).length;
      const delivered = countLines(events, 'recv ');
      console.log(`crash: scenario=inbox-${kind} rounds=${rounds} delivered=${delivered} handled_twice=${handledTwice}`);
      console.log(`crash: detail scenario=inbox-${kind} messages=${ids.length} handled=${handled.size} missing=${missing} killed_before_ack=${countLines(events, 'killed-before-ack')}`);
      assert.ok(delivered > ids.length, 'nothing was redelivered; the test proved nothing');
      assert.ok(countLines(events, 'killed-before-ack') > 0, 'no consumer died between commit and ack; the test proved less than it claims');
      assert.equal(handledTwice, 0, 'a redelivered message ran the business logic again');
      assert.equal(missing, 0, 'a message was never handled');
    } finally {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

async function createHandledTable(kind: 'sqlite' | 'postgres', app: string): Promise<void> {
  // No unique key on purpose: a second run of the business logic must show up as a second row.
  const ddl = 'CREATE TABLE handled (message_id TEXT NOT NULL, pid INTEGER NOT NULL)';
  if (kind === 'sqlite') {
    const db = new Database(app);
    db.pragma('journal_mode = WAL');
    db.exec(ddl);
    db.close();
  } else {
    const client = new pg.Client({ connectionString: app });
    await client.connect();
    await client.query(ddl);
    await client.end();
  }
}

async function handledCounts(kind: 'sqlite' | 'postgres', app: string): Promise<Map<string, number>> {
  const sql = 'SELECT message_id, count(*) AS n FROM handled GROUP BY message_id';
  let rows: { message_id: string; n: number | string }[];
  if (kind === 'sqlite') {
    const db = new Database(app, { readonly: true });
    rows = db.prepare(sql).all() as typeof rows;
    db.close();
  } else {
    const client = new pg.Client({ connectionString: app });
    await client.connect();
    rows = (await client.query<{ message_id: string; n: string }>(sql)).rows;
    await client.end();
  }
  return new Map(rows.map((r) => [r.message_id, Number(r.n)]));
}
