/**
 * Transactional outbox benchmarks (issue 3). One case per process; see run.ts.
 *
 *   outbox.sqlite          the application's SQLite file in WAL mode with synchronous=NORMAL
 *                          (commits survive a process crash, not a power cut: the usual WAL
 *                          setting), the broker on its own SQLite file with fsync (the default).
 *   outbox.sqlite.fsync    the same with synchronous=FULL on the application's file too: every
 *                          business commit, claim and mark is fsynced.
 *   outbox.postgres        a private PostgreSQL 15 with fsync and synchronous_commit on, the
 *                          broker on SQLite with fsync.
 *
 * Each commit is one transaction: an `orders` row plus its `order.created` message. Latency:
 * open loop at BENCH_OUTBOX_RATE (1000) commits per second for BENCH_OUTBOX_SECONDS (10), after
 * a 2 s warm-up, measured from when each commit was *meant* to start to when the broker had
 * accepted its message (the relay's onSent, before the row is marked), so a stalled writer or
 * relay shows up in the tail; commit_p50/p99_ms is the writer's share (intended start → commit). ops_per_s: how fast one relay (default options) drains a backlog of
 * BENCH_OUTBOX_BACKLOG (20 000) committed rows into the broker.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@switchyard/consumer';
import type { Broker } from '@switchyard/core';
import { PostgresOutbox, SqliteOutbox, type OutboxRelay, type RelayOptions } from '@switchyard/outbox';
import { openBroker } from '@switchyard/sqlite';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startPostgres } from '../tests/support/postgres.js';
import { emit, Latency, nowMs, round } from './lib.js';

const rate = Number(process.env.BENCH_OUTBOX_RATE ?? 1000);
const seconds = Number(process.env.BENCH_OUTBOX_SECONDS ?? 10);
const warmupSeconds = 2;
const backlog = Number(process.env.BENCH_OUTBOX_BACKLOG ?? 20_000);
const payload = { orderId: '', customer: 'c-0001', total: 4200, currency: 'EUR', lines: [{ sku: 'SKU-1', qty: 2 }] };

/** What a case provides: a commit (order row + outbox message), a relay, and how many rows are pending. */
interface Subject {
  commit(orderId: string): Promise<string>;
  /** Commits `n` orders in transactions of up to 1000, as fast as possible. Message id = order id. */
  fill(n: number, prefix: string): Promise<void>;
  relay(broker: Broker, options: RelayOptions): OutboxRelay;
  pending(): Promise<number>;
  close(): Promise<void>;
}

const quiet: Logger = { child: () => quiet, debug: () => undefined, info: () => undefined, warn: () => undefined, error: (f, m) => console.error(m, f) };

function sqliteSubject(dir: string, synchronous: 'NORMAL' | 'FULL'): Subject {
  const db = new Database(join(dir, 'app.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec('CREATE TABLE orders (id TEXT PRIMARY KEY, body TEXT NOT NULL)');
  const outbox = new SqliteOutbox(db);
  const insert = db.prepare('INSERT INTO orders (id, body) VALUES (?, ?)');
  const place = db.transaction((orderId: string) => {
    insert.run(orderId, JSON.stringify(payload));
    return outbox.add({ id: orderId, queue: 'orders', type: 'order.created', key: orderId, body: { ...payload, orderId } });
  });
  const fillTx = db.transaction((ids: string[]) => ids.forEach((id) => place(id)));
  return {
    commit: async (orderId) => place(orderId),
    fill: async (n, prefix) => {
      for (let i = 0; i < n; i += 1000) fillTx(Array.from({ length: Math.min(1000, n - i) }, (_, j) => `${prefix}-${i + j}`));
    },
    relay: (broker, options) => outbox.relay(broker, options),
    pending: async () => (await outbox.stats()).pending,
    close: async () => void db.close(),
  };
}

async function postgresSubject(url: string): Promise<Subject> {
  const pool = new pg.Pool({ connectionString: url, max: 16 });
  await pool.query('CREATE TABLE orders (id TEXT PRIMARY KEY, body TEXT NOT NULL)');
  const outbox = await PostgresOutbox.open(pool, { logger: quiet });
  const inTx = async <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      const r = await fn(c);
      await c.query('COMMIT');
      return r;
    } catch (err) {
      await c.query('ROLLBACK');
      throw err;
    } finally {
      c.release();
    }
  };
  const place = async (c: pg.PoolClient, orderId: string) => {
    await c.query('INSERT INTO orders (id, body) VALUES ($1, $2)', [orderId, JSON.stringify(payload)]);
    return outbox.add(c, { id: orderId, queue: 'orders', type: 'order.created', key: orderId, body: { ...payload, orderId } });
  };
  return {
    commit: (orderId) => inTx((c) => place(c, orderId)),
    fill: async (n, prefix) => {
      for (let i = 0; i < n; i += 1000) {
        await inTx(async (c) => {
          for (let j = i; j < Math.min(n, i + 1000); j++) await place(c, `${prefix}-${j}`);
        });
      }
    },
    relay: (broker, options) => outbox.relay(broker, options),
    pending: async () => (await outbox.stats()).pending,
    close: () => pool.end(),
  };
}

async function measure(name: string, subject: Subject, broker: Broker, extra: Record<string, unknown>): Promise<void> {
  // Latency: open loop; each message's clock starts when its commit was due.
  const intended = new Map<string, number>();
  const lat = new Latency();
  const commitLat = new Latency();
  let delivered = 0;
  const relay = subject.relay(broker, {
    logger: quiet,
    onSent: (e) => {
      const t = nowMs();
      for (const m of e.messages) {
        const due = intended.get(m.id);
        if (due === undefined) continue;
        intended.delete(m.id);
        delivered++;
        if (due >= measuredFrom) lat.recordMs(t - due);
      }
    },
  });
  const total = Math.round(rate * (seconds + warmupSeconds));
  const cpu0 = process.cpuUsage();
  const t0 = nowMs();
  const measuredFrom = t0 + warmupSeconds * 1000;
  const inFlight = new Set<Promise<void>>();
  let issued = 0;
  await new Promise<void>((resolve, reject) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((nowMs() - t0) * rate) / 1000) + 1);
      for (; issued < due; issued++) {
        const at = t0 + (issued * 1000) / rate;
        // The message id is the order id, known before the commit: a relay may deliver it
        // before this commit's promise has even resolved.
        intended.set(`o-${issued}`, at);
        const p = subject.commit(`o-${issued}`).then(() => {
          if (at >= measuredFrom) commitLat.recordMs(nowMs() - at);
        });
        inFlight.add(p);
        p.then(() => inFlight.delete(p), reject);
      }
      if (issued >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(inFlight);
  while (delivered < total && nowMs() - t0 < (seconds + warmupSeconds + 60) * 1000) await new Promise((r) => setTimeout(r, 10));
  await relay.close();
  const latency = lat.summary();
  const commits = commitLat.summary();
  const latencyCpu = process.cpuUsage(cpu0);

  // Throughput: one relay drains a committed backlog.
  await subject.fill(backlog, 'backlog');
  const start = nowMs();
  const drain = subject.relay(broker, { logger: quiet });
  while ((await subject.pending()) > 0) await new Promise((r) => setTimeout(r, 5));
  const drainSeconds = (nowMs() - start) / 1000;
  await drain.close();
  emit({
    name,
    ops_per_s: Math.round(backlog / drainSeconds),
    p50_ms: latency.p50_ms,
    p99_ms: latency.p99_ms,
    p90_ms: latency.p90_ms,
    p999_ms: latency.p999_ms,
    max_ms: latency.max_ms,
    latency_of: `intended commit -> broker accepted, open loop at ${rate}/s for ${seconds} s`,
    latency_samples: lat.count,
    commit_p50_ms: commits.p50_ms,
    commit_p99_ms: commits.p99_ms,
    ops_of: `one relay (batchSize 100) draining ${backlog} committed rows`,
    cpu_s_during_latency_run: round((latencyCpu.user + latencyCpu.system) / 1e6, 1),
    ...extra,
  });
}

async function run(which: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-outbox-'));
  const broker = await openBroker({ path: join(dir, 'broker.db') });
  await broker.createQueue('orders', { retentionMs: 3600_000 });
  const server = which === 'outbox.postgres' ? await startPostgres({ fsync: true }) : undefined;
  try {
    let subject: Subject;
    let durability: string;
    if (which === 'outbox.postgres') {
      if (!server) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
      subject = await postgresSubject(server.url);
      durability = 'PostgreSQL fsync=on synchronous_commit=on; broker SQLite fsync';
    } else {
      const sync = which === 'outbox.sqlite.fsync' ? 'FULL' : 'NORMAL';
      subject = sqliteSubject(dir, sync);
      durability = `app SQLite WAL synchronous=${sync}; broker SQLite fsync`;
    }
    await measure(which, subject, broker, { durability, rate_per_s: rate });
    await subject.close();
  } finally {
    await broker.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const which = process.argv[2] ?? '';
if (!['outbox.sqlite', 'outbox.sqlite.fsync', 'outbox.postgres'].includes(which)) {
  console.error(`unknown outbox bench case ${which}`);
  process.exit(2);
}
await run(which);
