/**
 * Queue benchmarks on the embedded engine (issue 2). One case per process; see run.ts.
 *
 *   limit.sqlite.batch-insert   raw better-sqlite3: 1 KiB rows in transactions of 1,000, WAL,
 *                               synchronous=FULL — this machine's ceiling for the design.
 *   limit.sqlite.queue-statements  raw better-sqlite3 on the engine's own schema: per commit, insert
 *                               80 messages, lease 80 (the engine's UPDATE … RETURNING) and delete
 *                               the 80 leased in the previous commit — the SQL a queue.e2e message
 *                               costs at its measured 80 messages per commit, with no JavaScript
 *                               layer around it. The ceiling of this design at that batch size.
 *   queue.e2e.sqlite.<mode>     1 KiB messages, one producer, one consumer with 16 in flight.
 *                               ops_per_s: closed loop (producer keeps 256 sends outstanding),
 *                               messages handled per second, over 50,000 messages after 20,000
 *                               unmeasured ones (warm-up). Latency: a second, open-loop run at
 *                               half that rate, measured from when each send was *meant* to start
 *                               to when its handler ran (so stalls are not hidden).
 *                               The consumer holds at most 80 leased (16 handlers + 64 prefetch),
 *                               fewer than the producer keeps outstanding, so it falls behind and
 *                               the queue grows through the run (max_unhandled): this measures
 *                               the lease path under a growing backlog.
 *   queue.e2e.sqlite.fsync.window256  the same with the consumer holding up to 256 leased, as many
 *                               as the producer keeps outstanding: it keeps up, the queue stays
 *                               short, and sends hand messages straight to its receives
 *                               (handed_over; see packages/sqlite/src/handoff.ts).
 *   Every e2e line reports max_unhandled (the most messages sent and not yet handled during the
 *   measured run) and handed_over (the share of messages that skipped the lease).
 *   queue.backlog.1m            fill one queue with 1,000,000 × 1 KiB (batches of 1,000), then
 *                               drain it with the e2e consumer. ops_per_s is the drain rate.
 *   queue.inspect.200k          stats and peek (10) on a queue of 200,000 ready 1 KiB messages:
 *                               two lines, queue.stats.200k and queue.peek.200k, calls per second.
 *
 * Experiment (not in the group's default list; `npm run bench -- experiment`):
 *   proto.e2e.sqlite.two-threads  the e2e workload through the real Broker on a prototype engine
 *                               that runs the SQL on a worker thread with lean statements
 *                               (threads/): is a thread of its own the way to 0.25? See
 *                               BENCHMARKS.md.
 *
 * Knobs for experiments: BENCH_OUTSTANDING (sends the producer keeps outstanding, 256; the
 * window case follows it), BENCH_PREFETCH (the consumer's prefetch beyond its 16 handlers, 64), BENCH_E2E_COUNT,
 * BENCH_E2E_WARMUP, BENCH_BODY.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Broker, type Queue } from '@switchyard/core';
import { openBroker, type Durability } from '@switchyard/sqlite';
import { migrate } from '../packages/sqlite/src/schema.js';
import { emit, Latency, nowMs, round, Semaphore } from './lib.js';

const payload = 'x'.repeat(Number(process.env.BENCH_BODY ?? 1024));
/** Sends the e2e producer keeps outstanding. */
const producerWindow = Number(process.env.BENCH_OUTSTANDING ?? 256);
const e2eCount = Number(process.env.BENCH_E2E_COUNT ?? 50_000);
/** Messages sent and handled, unmeasured, before an e2e run. */
const e2eWarmup = Number(process.env.BENCH_E2E_WARMUP ?? 20_000);
const backlogCount = Number(process.env.BENCH_BACKLOG_COUNT ?? 1_000_000);

function tempDb(): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  return { path: join(dir, 'bench.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A raw better-sqlite3 connection on a temp file: WAL, synchronous=FULL (the fsync setting). */
function rawDb(): { db: Database.Database; cleanup: () => void } {
  const { path, cleanup } = tempDb();
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  return { db, cleanup };
}

function batchInsertLimit(): void {
  const { db, cleanup } = rawDb();
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

/** See the header: the engine's statements alone, 80 messages per commit, fsync. */
function queueStatementsLimit(): void {
  const { db, cleanup } = rawDb();
  db.pragma('cache_size = -16000');
  db.pragma('wal_autocheckpoint = 2000');
  migrate(db);
  db.prepare("INSERT INTO queues (name, fifo, visibility_ms, delay_ms, retention_ms, dedup_window_ms, created_at) VALUES ('q', 0, 60000, 0, 1e12, 300000, 0)").run();
  const insert = db.prepare(`INSERT INTO messages (queue_id, id, type, body_kind, headers, key, dedup_id, ts, enqueued_at, available_at, visible_at, expires_at, fifo_group, body)
    VALUES (1, ?, 'message', 1, NULL, NULL, NULL, ?, ?, ?, ?, ?, NULL, ?)`);
  const take = db.prepare(`UPDATE messages SET lease = :lease, visible_at = :until, receives = receives + 1, first_received_at = coalesce(first_received_at, :now)
    WHERE seq IN (SELECT seq FROM messages WHERE queue_id = 1 AND visible_at <= :now ORDER BY visible_at, seq LIMIT :n)
    RETURNING seq, id, type, body_kind, headers, key, dedup_id, ts, enqueued_at, receives, first_received_at, body`);
  const remove = db.prepare('DELETE FROM messages WHERE seq = ? AND queue_id = 1 AND lease = ? AND visible_at > ? RETURNING fifo_group');
  const body = Buffer.from(payload);
  const perCommit = 80;
  const commits = Math.ceil(e2eCount / perCommit);
  let leased: { seq: number }[] = [];
  let lease = 0;
  const lat = new Latency();
  const start = nowMs();
  for (let c = 0; c < commits; c++) {
    const t0 = nowMs();
    const now = Date.now();
    const previous = lease;
    db.transaction(() => {
      for (let i = 0; i < perCommit; i++) {
        insert.run(crypto.randomUUID(), now, now, now, now, now + 1e9, body);
      }
      const taken = take.all({ lease: ++lease, until: now + 60_000, now, n: perCommit }) as { seq: number }[];
      for (const m of leased) remove.get(m.seq, previous, now);
      leased = taken;
    }).immediate();
    lat.recordMs(nowMs() - t0);
  }
  const seconds = (nowMs() - start) / 1000;
  db.close();
  cleanup();
  const s = lat.summary();
  emit({ name: 'limit.sqlite.queue-statements', ops_per_s: Math.round((commits * perCommit) / seconds), p50_ms: s.p50_ms, p99_ms: s.p99_ms, latency_of: 'one commit of 80 sends, 80 leases, 80 acks', durability: 'fsync (synchronous=FULL)', messages: commits * perCommit });
}

/**
 * stats and peek on a deep queue: 200,000 ready 1 KiB messages and 100 leased. Each is timed
 * alone, one call at a time, so ops_per_s is calls per second; event_loop_ms_per_call is how much
 * of that the engine's event loop spent (stats counts on the stats thread after its first, slow,
 * count: packages/sqlite/src/stats-thread.ts).
 */
async function inspectDeep(): Promise<void> {
  const { path, cleanup } = tempDb();
  const broker = await openBroker({ path });
  const q = await broker.createQueue('deep');
  const batch = Array.from({ length: 1000 }, () => ({ body: payload }));
  const depth = 200_000;
  for (let i = 0; i < depth; i += 1000) await q.sendBatch(batch);
  await q.receive({ max: 100 });
  const time = async (name: string, calls: number, call: () => Promise<unknown>) => {
    const lat = new Latency();
    await call(); // unmeasured: statement preparation (and, for stats, the first count, which moves later ones to the stats thread)
    const start = nowMs();
    const elu0 = performance.eventLoopUtilization();
    for (let i = 0; i < calls; i++) {
      const t0 = nowMs();
      await call();
      lat.recordMs(nowMs() - t0);
    }
    const loop = performance.eventLoopUtilization(elu0);
    const s = lat.summary();
    emit({
      name,
      ops_per_s: Math.round(calls / ((nowMs() - start) / 1000)),
      p50_ms: s.p50_ms,
      p99_ms: s.p99_ms,
      messages: depth,
      // The event loop's own time per call (the rest of the latency it was free for other work).
      event_loop_ms_per_call: round(loop.active / calls, 2),
      stats_thread: (broker.engine as { statsThread?: { state: string } }).statsThread?.state,
    });
  };
  await time('queue.stats.200k', 20, () => q.stats());
  await time('queue.peek.200k', 500, () => q.peek({ max: 10 }));
  await broker.close();
  cleanup();
}

interface ConsumerShape {
  /** Handlers running at once. */
  concurrency: number;
  /** Messages leased ahead of the handlers (0: a slot is leased only when a handler is free). */
  prefetch: number;
}

/**
 * A consumer: `concurrency` handlers, fed from receives that keep at most
 * concurrency + prefetch messages leased and unacked. A slot is reused once its handler has
 * finished and its ack is submitted: the next receive then goes into the same group commit,
 * after that ack, so the limit holds at every commit (as a broker pipelines ack and delivery).
 * Resolves after `total` messages.
 */
async function consume(q: Queue, total: number, shape: ConsumerShape, onMessage: (headers: Record<string, string>) => void): Promise<void> {
  const leased = new Semaphore(shape.concurrency + shape.prefetch);
  const handlers = new Semaphore(shape.concurrency);
  const max = shape.concurrency + shape.prefetch;
  let received = 0;
  let failure: unknown;
  const handle = async (m: Awaited<ReturnType<Queue['receive']>>[number]) => {
    await handlers.acquire();
    onMessage(m.headers);
    await Promise.resolve(); // the handler's own (empty) work
    q.ack(m).catch((err: unknown) => (failure = err));
    handlers.release();
    leased.release();
  };
  const running: Promise<void>[] = [];
  while (received < total) {
    if (failure) throw failure;
    await leased.acquire();
    let want = 1;
    while (want < max && leased.free > 0) {
      await leased.acquire();
      want++;
    }
    const batch = await q.receive({ max: want, waitMs: 1000 });
    for (let i = batch.length; i < want; i++) leased.release();
    received += batch.length;
    for (const m of batch) running.push(handle(m));
    if (running.length > 10_000) await Promise.all(running.splice(0));
  }
  await Promise.all(running);
  if (failure) throw failure;
}

interface EngineCounters {
  commits: number;
  ops: number;
  handedOver: number;
}

/** The engine's counters; undefined for an engine that keeps none (the experiment's prototype). */
function commitStats(broker: { engine: unknown }): EngineCounters | undefined {
  return (broker.engine as { commitStats?: EngineCounters }).commitStats;
}

async function e2e(durability: Durability, shape: ConsumerShape, suffix = '', open: (path: string) => Promise<Broker> = (path) => openBroker({ path, durability })): Promise<void> {
  const { path, cleanup } = tempDb();
  const broker = await open(path);
  const q = await broker.createQueue('bench', { visibilityTimeoutMs: 60_000 });

  // Throughput: closed loop, producer keeps `producerWindow` sends outstanding. Tracks the most
  // messages sent and not yet handled: bounded when the consumer keeps up, growing when it does not.
  let maxUnhandled = 0;
  const closedLoop = async (count: number) => {
    const outstanding = new Semaphore(producerWindow);
    let handled = 0;
    maxUnhandled = 0;
    const consumed = consume(q, count, shape, () => void handled++);
    for (let i = 0; i < count; i++) {
      await outstanding.acquire();
      maxUnhandled = Math.max(maxUnhandled, i - handled);
      void q.send({ body: payload }).then(() => outstanding.release());
    }
    await consumed;
  };
  // Unmeasured first, the same way (the server cases warm up too): JIT compilation is not the engine.
  await closedLoop(e2eWarmup);
  const counters0 = commitStats(broker);
  const cpu0 = process.cpuUsage();
  const start = nowMs();
  await closedLoop(e2eCount);
  const throughput = e2eCount / ((nowMs() - start) / 1000);
  const cpu = process.cpuUsage(cpu0);
  const counters = commitStats(broker);
  // Left out of the line when the engine keeps no counters.
  const perCommit = counters && counters0 ? round(e2eCount / (counters.commits - counters0.commits), 1) : undefined;
  const handedOver = counters && counters0 ? round((counters.handedOver - counters0.handedOver) / e2eCount, 3) : undefined;

  // Latency: open loop at half the measured throughput, from intended send time to handler.
  const rate = Math.max(1, Math.round(throughput / 2));
  const lat = new Latency();
  const t0 = nowMs();
  const latencyRun = consume(q, e2eCount, shape, (h) => lat.recordMs(nowMs() - Number(h['t'])));
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
  await broker.close();
  cleanup();
  const s = lat.summary();
  emit({
    name: `queue.e2e.sqlite.${durability}${suffix}`,
    ops_per_s: Math.round(throughput),
    p50_ms: s.p50_ms,
    p99_ms: s.p99_ms,
    p90_ms: s.p90_ms,
    p999_ms: s.p999_ms,
    max_ms: s.max_ms,
    latency_at_per_s: rate,
    concurrency: shape.concurrency,
    prefetch: shape.prefetch,
    cpu_us_per_msg: round((cpu.user + cpu.system) / e2eCount, 1),
    sys_us_per_msg: round(cpu.system / e2eCount, 1),
    messages: e2eCount,
    messages_per_commit: perCommit,
    producer_window: producerWindow,
    max_unhandled: maxUnhandled,
    handed_over: handedOver,
    durability: durability === 'fsync' ? 'fsync (WAL fdatasync before a write resolves)' : 'relaxed (synchronous=NORMAL)',
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
  await consume(q, backlogCount, standard, () => {
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

/** 16 handlers in flight, as a consumer built on issue 3's framework runs them, with prefetch. */
const standard: ConsumerShape = { concurrency: 16, prefetch: Number(process.env.BENCH_PREFETCH ?? 64) };
/** At most 16 messages leased and unacked at any moment: every commit carries at most 16. */
const strict: ConsumerShape = { concurrency: 16, prefetch: 0 };
/** 16 handlers, and as many messages leased as the producer keeps outstanding: it can keep up. */
const keepsUp: ConsumerShape = { concurrency: 16, prefetch: producerWindow - 16 };

const which = process.argv[2];
switch (which) {
  case 'limit.sqlite.batch-insert':
    batchInsertLimit();
    break;
  case 'limit.sqlite.queue-statements':
    queueStatementsLimit();
    break;
  case 'queue.e2e.sqlite.fsync':
    await e2e('fsync', standard);
    break;
  case 'queue.e2e.sqlite.relaxed':
    await e2e('relaxed', standard);
    break;
  case 'queue.e2e.sqlite.fsync.strict16':
    await e2e('fsync', strict, '.strict16');
    break;
  case 'queue.e2e.sqlite.fsync.window256':
    await e2e('fsync', keepsUp, `.window${producerWindow}`);
    break;
  case 'proto.e2e.sqlite.two-threads':
    await e2e('fsync', standard, '.proto-two-threads', async (path) => new Broker(new (await import('./threads/proxy-engine.js')).ProxyEngine(path)));
    break;
  case 'queue.backlog.1m':
    await backlog();
    break;
  case 'queue.inspect.200k':
    await inspectDeep();
    break;
  default:
    console.error(`unknown queue bench case ${which}`);
    process.exit(2);
}
