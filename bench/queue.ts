/**
 * Queue benchmarks on the embedded engine (issue 2). One case per process; see run.ts.
 *
 *   limit.sqlite.batch-insert   raw better-sqlite3: 1 KiB rows in transactions of 1,000, WAL,
 *                               synchronous=FULL — this machine's ceiling for the design.
 *   queue.e2e.sqlite.<mode>     1 KiB messages, one producer, one consumer with 16 in flight.
 *                               ops_per_s: closed loop (producer keeps 256 sends outstanding),
 *                               messages handled per second. Latency: a second, open-loop run at
 *                               half that rate, measured from when each send was *meant* to start
 *                               to when its handler ran (so stalls are not hidden).
 *   queue.backlog.1m            fill one queue with 1,000,000 × 1 KiB (batches of 1,000), then
 *                               drain it with the e2e consumer. ops_per_s is the drain rate.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Queue } from '@switchyard/core';
import { openBroker, type Durability } from '@switchyard/sqlite';
import { emit, Latency, nowMs, round, Semaphore } from './lib.js';

const payload = 'x'.repeat(1024);
const e2eCount = Number(process.env.BENCH_E2E_COUNT ?? 50_000);
const backlogCount = Number(process.env.BENCH_BACKLOG_COUNT ?? 1_000_000);

function tempDb(): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  return { path: join(dir, 'bench.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function batchInsertLimit(): void {
  const { path, cleanup } = tempDb();
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
  const body = Buffer.from(payload);
  const tx = db.transaction(() => {
    for (let i = 0; i < 1000; i++) insert.run(body);
  });
  const lat = new Latency();
  const transactions = 200;
  const start = nowMs();
  for (let i = 0; i < transactions; i++) {
    const t0 = nowMs();
    tx();
    lat.recordMs(nowMs() - t0);
  }
  const seconds = (nowMs() - start) / 1000;
  db.close();
  cleanup();
  const s = lat.summary();
  emit({ name: 'limit.sqlite.batch-insert', ops_per_s: Math.round((transactions * 1000) / seconds), p50_ms: s.p50_ms, p99_ms: s.p99_ms, latency_of: 'one transaction of 1000 rows', durability: 'fsync (synchronous=FULL)', rows: transactions * 1000 });
}

/**
 * A consumer with at most `inFlight` messages leased and unacked; resolves after `total`.
 * A slot is reused as soon as its handler has finished and its ack is submitted: the next
 * receive then goes into the same group commit, after that ack, so the limit holds at every
 * commit while an ack and the next lease share one fsync (as a broker pipelines ack and delivery).
 */
async function consume(q: Queue, total: number, inFlight: number, onMessage: (headers: Record<string, string>) => void): Promise<void> {
  const slots = new Semaphore(inFlight);
  let handled = 0;
  let failure: unknown;
  while (handled < total) {
    if (failure) throw failure;
    await slots.acquire();
    let want = 1;
    while (want < inFlight && slots.free > 0) {
      await slots.acquire();
      want++;
    }
    const batch = await q.receive({ max: want, waitMs: 1000 });
    for (let i = batch.length; i < want; i++) slots.release();
    for (const m of batch) {
      onMessage(m.headers);
      handled++;
      q.ack(m).catch((err: unknown) => (failure = err));
      slots.release();
    }
  }
}

async function e2e(durability: Durability): Promise<void> {
  const { path, cleanup } = tempDb();
  const broker = await openBroker({ path, durability });
  const q = await broker.createQueue('bench', { visibilityTimeoutMs: 60_000 });

  // Throughput: closed loop, producer keeps 256 sends outstanding.
  const outstanding = new Semaphore(256);
  const cpu0 = process.cpuUsage();
  const start = nowMs();
  const consumed = consume(q, e2eCount, 16, () => undefined);
  for (let i = 0; i < e2eCount; i++) {
    await outstanding.acquire();
    void q.send({ body: payload }).then(() => outstanding.release());
  }
  await consumed;
  const throughput = e2eCount / ((nowMs() - start) / 1000);
  const cpu = process.cpuUsage(cpu0);

  // Latency: open loop at half the measured throughput, from intended send time to handler.
  const rate = Math.max(1, Math.round(throughput / 2));
  const lat = new Latency();
  const t0 = nowMs();
  const latencyRun = consume(q, e2eCount, 16, (h) => lat.recordMs(nowMs() - Number(h['t'])));
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(e2eCount, Math.floor(((nowMs() - t0) * rate) / 1000) + 1);
      for (; sent < due; sent++) {
        const intended = t0 + (sent * 1000) / rate;
        void q.send({ body: payload, headers: { t: String(intended) } });
      }
      if (sent >= e2eCount) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await latencyRun;
  const stats = (broker.engine as unknown as { commitStats: { commits: number; ops: number } }).commitStats;
  await broker.close();
  cleanup();
  const s = lat.summary();
  emit({
    name: `queue.e2e.sqlite.${durability}`,
    ops_per_s: Math.round(throughput),
    p50_ms: s.p50_ms,
    p99_ms: s.p99_ms,
    p90_ms: s.p90_ms,
    p999_ms: s.p999_ms,
    max_ms: s.max_ms,
    latency_at_per_s: rate,
    cpu_us_per_msg: round((cpu.user + cpu.system) / e2eCount, 1),
    sys_us_per_msg: round(cpu.system / e2eCount, 1),
    messages: e2eCount,
    ops_per_commit: round(stats.ops / stats.commits, 1),
    durability: durability === 'fsync' ? 'fsync (synchronous=FULL)' : 'relaxed (synchronous=NORMAL)',
  });
}

async function backlog(): Promise<void> {
  const { path, cleanup } = tempDb();
  const broker = await openBroker({ path });
  const q = await broker.createQueue('backlog', { visibilityTimeoutMs: 600_000, retentionMs: 14 * 24 * 3600_000 });
  const batch = Array.from({ length: 1000 }, () => ({ body: payload }));
  const fillStart = nowMs();
  for (let i = 0; i < backlogCount; i += 1000) await q.sendBatch(batch);
  const fillSeconds = (nowMs() - fillStart) / 1000;
  const lat = new Latency();
  let last = nowMs();
  const drainStart = nowMs();
  await consume(q, backlogCount, 16, () => {
    const t = nowMs();
    lat.recordMs(t - last);
    last = t;
  });
  const drainSeconds = (nowMs() - drainStart) / 1000;
  const left = await q.stats();
  await broker.close();
  cleanup();
  const s = lat.summary();
  emit({
    name: 'queue.backlog.1m',
    ops_per_s: Math.round(backlogCount / drainSeconds),
    p50_ms: s.p50_ms,
    p99_ms: s.p99_ms,
    latency_of: 'gap between consecutive deliveries while draining',
    fill_ops_per_s: Math.round(backlogCount / fillSeconds),
    messages: backlogCount,
    left_after_drain: left.ready + left.leased + left.delayed,
    durability: 'fsync (synchronous=FULL)',
  });
}

const which = process.argv[2];
switch (which) {
  case 'limit.sqlite.batch-insert':
    batchInsertLimit();
    break;
  case 'queue.e2e.sqlite.fsync':
    await e2e('fsync');
    break;
  case 'queue.e2e.sqlite.relaxed':
    await e2e('relaxed');
    break;
  case 'queue.backlog.1m':
    await backlog();
    break;
  default:
    console.error(`unknown queue bench case ${which}`);
    process.exit(2);
}
