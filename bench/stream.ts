/**
 * Stream benchmarks on the embedded engine (issue 5). One case per process; see run.ts.
 *
 *   stream.append.sqlite     200-byte records appended in batches of 100 (keyed, 4 partitions,
 *                            fsync). ops_per_s: records per second, closed loop with 8 batches
 *                            outstanding. Latency: one batch append, open loop at half that rate,
 *                            from when the batch was *meant* to be sent until it was durable.
 *   stream.append.postgres   the same on a private PostgreSQL (fsync=on, synchronous_commit=on),
 *                            one engine with a pool of 8.
 *   stream.consume.group2    a group of two members (one process) reads everything: ops_per_s is
 *                            records read and committed per second draining a 200,000-record
 *                            backlog (polls of 500, a commit after each). live_ops_per_s: the same
 *                            with a producer (batches of 10) in the same process, closed loop.
 *                            Latency: end to end, an open-loop producer at half the live rate, from
 *                            the intended append time to the poll that returned the record.
 *   stream.window.tumbling   a tumbling 10 s count over 100 keys (events 1 ms apart in event
 *                            time, so ~100 per key and window), draining a 200,000-event backlog:
 *                            each step reads up to 500 events and commits offsets, window state
 *                            and results in one transaction. ops_per_s: events per second.
 *                            Latency: one step (read + aggregate + checkpoint commit).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker, type Stream, type StreamMessage } from '@switchyard/core';
import { openPostgresEngine } from '@switchyard/postgres';
import { openBroker } from '@switchyard/sqlite';
import { durablePostgres, postgresDurability } from './compare/servers.js';
import { count, tumbling, WindowedAggregation } from '@switchyard/streams';
import { emit, Latency, nowMs, round, Semaphore } from './lib.js';

const payload = 'x'.repeat(200);
const appendRecords = Number(process.env.BENCH_STREAM_APPEND ?? 300_000);
const backlog = Number(process.env.BENCH_STREAM_BACKLOG ?? 200_000);
const durability = 'fsync (synchronous=FULL)';

interface BenchBroker {
  broker: Broker;
  cleanup: () => Promise<void>;
}

async function postgresBroker(): Promise<BenchBroker> {
  const server = await durablePostgres();
  const broker = new Broker(await openPostgresEngine({ url: server.url, poolSize: 8 }));
  return { broker, cleanup: async () => (await broker.close(), await server.stop()) };
}

async function tempBroker(): Promise<BenchBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-stream-'));
  const broker = await openBroker({ path: join(dir, 'bench.db') });
  return { broker, cleanup: async () => (await broker.close(), rmSync(dir, { recursive: true, force: true })) };
}

const batchOf = (n: number, from: number, extra: Partial<StreamMessage> = {}): StreamMessage[] =>
  Array.from({ length: n }, (_, i) => ({ key: `user-${(from + i) % 1000}`, body: payload, ...extra }));

async function fill(s: Stream, n: number, keys: number, timestamp?: (i: number) => number): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    await s.appendBatch(Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ key: `user-${(i + j) % keys}`, body: payload, ...(timestamp ? { timestamp: timestamp(i + j) } : {}) })));
  }
}

/** Runs `fn` at `perSecond`, open loop: each call is due at its own time, whatever the others do. */
async function openLoop(total: number, perSecond: number, fn: (i: number, intended: number) => Promise<void>): Promise<void> {
  const t0 = nowMs();
  const running: Promise<void>[] = [];
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((nowMs() - t0) * perSecond) / 1000) + 1);
      for (; i < due; i++) running.push(fn(i, t0 + (i * 1000) / perSecond));
      if (i >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(running);
}

async function append(name: string, open: () => Promise<BenchBroker>, durabilityUsed: string): Promise<void> {
  const { broker, cleanup } = await open();
  const s = await broker.createStream('bench', { partitions: 4, retention: { maxAgeMs: null } });
  const batches = appendRecords / 100;
  const outstanding = new Semaphore(8);
  const start = nowMs();
  for (let b = 0; b < batches; b++) {
    await outstanding.acquire();
    void s.appendBatch(batchOf(100, b * 100)).then(() => outstanding.release());
  }
  for (let k = 0; k < 8; k++) await outstanding.acquire();
  const throughput = appendRecords / ((nowMs() - start) / 1000);
  const batchRate = Math.max(1, throughput / 100 / 2);
  const lat = new Latency();
  await openLoop(Math.min(batches, Math.round(batchRate * 10)), batchRate, async (b, intended) => {
    await s.appendBatch(batchOf(100, b * 100));
    lat.recordMs(nowMs() - intended);
  });
  await cleanup();
  const q = lat.summary();
  emit({ name, ops_per_s: Math.round(throughput), p50_ms: q.p50_ms, p99_ms: q.p99_ms, p999_ms: q.p999_ms, max_ms: q.max_ms, latency_of: 'one batch of 100, open loop at half the throughput', latency_at_batches_per_s: round(batchRate, 1), records: appendRecords, record_bytes: 200, batch: 100, partitions: 4, durability: durabilityUsed });
}

async function consumeGroup2(): Promise<void> {
  const { broker, cleanup } = await tempBroker();
  const s = await broker.createStream('bench', { partitions: 4, retention: { maxAgeMs: null } });
  await fill(s, backlog, 1000);
  const members = [s.consumer('bench', { start: 'earliest', memberId: 'm1' }), s.consumer('bench', { start: 'earliest', memberId: 'm2' })];
  await members[0]?.join();
  await members[1]?.join();
  await members[0]?.join(); // m1 learns that m2 took half of the partitions
  let read = 0;
  const drain = async (c: (typeof members)[number], until: () => boolean, onRecord?: (headers: Record<string, string>) => void) => {
    while (!until()) {
      const got = await c.poll({ max: 500, waitMs: 200 });
      read += got.length;
      if (onRecord) for (const r of got) onRecord(r.headers);
      if (got.length > 0) await c.commit();
    }
  };
  const start = nowMs();
  await Promise.all(members.map((c) => drain(c, () => read >= backlog)));
  const throughput = backlog / ((nowMs() - start) / 1000);

  // Live: producer and consumers at once (one process, so they share a core), closed loop.
  const liveRecords = Math.min(100_000, Math.round(throughput * 2));
  read = 0;
  const liveStart = nowMs();
  const live = Promise.all(members.map((c) => drain(c, () => read >= liveRecords)));
  const outstanding = new Semaphore(16);
  for (let b = 0; b < liveRecords / 10; b++) {
    await outstanding.acquire();
    void s.appendBatch(batchOf(10, b * 10)).then(() => outstanding.release());
  }
  await live;
  const liveThroughput = liveRecords / ((nowMs() - liveStart) / 1000);

  // Latency: open loop at half the live rate, from the intended append time to the poll.
  const perSecond = Number(process.env.BENCH_STREAM_RATE ?? 0) / 10 || Math.max(10, Math.round(liveThroughput / 2 / 10));
  const e2eRecords = Math.min(50_000, perSecond * 10 * 5);
  const lat = new Latency();
  read = 0;
  const consumers = Promise.all(members.map((c) => drain(c, () => read >= e2eRecords, (h) => lat.recordMs(nowMs() - Number(h.t)))));
  await openLoop(e2eRecords / 10, perSecond, async (b, intended) => {
    await s.appendBatch(batchOf(10, b * 10, { headers: { t: String(intended) } }));
  });
  await consumers;
  await Promise.all(members.map((c) => c.close()));
  await cleanup();
  const q = lat.summary();
  emit({
    name: 'stream.consume.group2',
    ops_per_s: Math.round(throughput),
    p50_ms: q.p50_ms,
    p99_ms: q.p99_ms,
    p999_ms: q.p999_ms,
    max_ms: q.max_ms,
    live_ops_per_s: Math.round(liveThroughput),
    latency_of: 'append (batches of 10) to poll, open loop at half the live rate',
    latency_at_per_s: perSecond * 10,
    records: backlog,
    partitions: 4,
    members: 2,
    poll_max: 500,
    durability,
  });
}

async function windowTumbling(): Promise<void> {
  const { broker, cleanup } = await tempBroker();
  const s = await broker.createStream('bench', { partitions: 4, retention: { maxAgeMs: null } });
  await broker.createStream('bench-windows', { partitions: 4, retention: { maxAgeMs: null } });
  const t0 = Date.UTC(2026, 0, 1);
  await fill(s, backlog, 100, (i) => t0 + i);
  const job = new WindowedAggregation(s, { group: 'bench', window: tumbling(10_000), aggregate: count(), emit: { stream: 'bench-windows' }, maxBatch: 500 });
  const lat = new Latency();
  let events = 0;
  let results = 0;
  const start = nowMs();
  while (events < backlog) {
    const t = nowMs();
    const step = await job.step({ waitMs: 100 });
    lat.recordMs(nowMs() - t);
    events += step.records;
    results += step.results;
  }
  const seconds = (nowMs() - start) / 1000;
  await job.close();
  await cleanup();
  const q = lat.summary();
  emit({ name: 'stream.window.tumbling', ops_per_s: Math.round(events / seconds), p50_ms: q.p50_ms, p99_ms: q.p99_ms, max_ms: q.max_ms, latency_of: 'one step: read up to 500, aggregate, commit offsets + state + results', events, keys: 100, window_ms: 10_000, event_spacing_ms: 1, results, partitions: 4, durability });
}

const which = process.argv[2];
switch (which) {
  case 'stream.append.sqlite':
    await append('stream.append.sqlite', tempBroker, durability);
    break;
  case 'stream.append.postgres':
    await append('stream.append.postgres', postgresBroker, postgresDurability);
    break;
  case 'stream.consume.group2':
    await consumeGroup2();
    break;
  case 'stream.window.tumbling':
    await windowTumbling();
    break;
  default:
    console.error(`unknown stream bench case ${which}`);
    process.exit(2);
}
