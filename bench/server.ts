/**
 * Server benchmarks (issue 4). The client is this process; the server is a separate process
 * (`switchyard server`, fsync durability) on loopback. One case per process; see run.ts.
 *
 *   server.json.batch10     rounds of: send 10 (JSON API) → receive up to 10 → ack them.
 *   server.sqs.batch10      the same with @aws-sdk/client-sqs: SendMessageBatch → ReceiveMessage
 *                           → DeleteMessageBatch.
 *   server.push.batch10     the same through @switchyard/remote: receive and acks over the
 *                           WebSocket push channel.
 *   server.inprocess.batch10  the same rounds on the embedded broker in this process, for the ratio.
 *   ops_per_s: messages per second with 32 concurrent round loops (closed loop), 5,000 rounds
 *   (50,000 messages) measured after 2,000 unmeasured rounds of warm-up. Latency: a second
 *   run, open loop at half that rate, from when each round was meant to start to when its delete
 *   completed.
 *   server.longpoll.1000    1,000 long polls held open while 20 messages/s trickle in for 10 s:
 *                           p99 from send to delivery, the server's peak RSS, and the server's CPU
 *                           time while the 1,000 polls wait with nothing to deliver.
 * BENCH_SERVER_PROF=<dir> writes a CPU profile of the server process there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { openRemoteBroker } from '@switchyard/remote';
import { openBroker } from '@switchyard/sqlite';
import { Pool } from 'undici';
import { emit, Latency, nowMs, round } from './lib.js';

const payload = 'x'.repeat(1024);
/** Measured rounds of 10: 50,000 messages, as many as queue.e2e.sqlite.fsync sends. */
const roundsTotal = Number(process.env.BENCH_SERVER_ROUNDS ?? 5000);
/** Unmeasured rounds run first, the same way, in the same process. */
const warmupRounds = Number(process.env.BENCH_SERVER_WARMUP ?? 2000);
/** Concurrent round loops (clients); the same for every case so the ratios compare like with like. */
const loops = Number(process.env.BENCH_SERVER_LOOPS ?? 32);

type Round = () => Promise<void>;

async function startServer(): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-server-'));
  const prof = process.env.BENCH_SERVER_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SERVER_PROF}`] : [];
  // The server runs as users run it: the compiled CLI (`npm run build`), not TypeScript through tsx.
  const cli = join(import.meta.dirname, '..', 'packages', 'cli', 'bin', 'switchyard.js');
  const child = spawn(process.execPath, [...prof, cli, 'server', '--data', dir, '--port', '0', '--durability', process.env.BENCH_SERVER_DURABILITY ?? 'fsync'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  return {
    url,
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Closed loop for throughput, then open loop at half of it for latency. */
async function measure(name: string, makeRound: () => Round, extra: Record<string, unknown>): Promise<void> {
  const closedLoop = async (rounds: number) => {
    let done = 0;
    await Promise.all(
      Array.from({ length: loops }, async () => {
        const r = makeRound();
        while (done < rounds) {
          done++;
          await r();
        }
      }),
    );
  };
  // Warm up with the measured shape first: a fresh server process spends its first seconds
  // compiling (JIT) its hot paths, which a 5 s run would otherwise count against it.
  await closedLoop(warmupRounds);
  const cpu0 = process.cpuUsage();
  const start = nowMs();
  await closedLoop(roundsTotal);
  const wallMs = nowMs() - start;
  const perSecond = (roundsTotal * 10) / (wallMs / 1000);
  const cpu = process.cpuUsage(cpu0);
  // How busy this (client) process was: near 100% means the client, not the server, set the pace.
  const clientCpuPct = Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 100);
  const rate = perSecond / 10 / 2; // rounds per second for the latency run
  const lat = new Latency();
  const latencyRounds = Math.min(roundsTotal, Math.round(rate * 10));
  const t0 = nowMs();
  const pending: Promise<void>[] = [];
  const workers = Array.from({ length: 32 }, () => makeRound());
  for (let i = 0; i < latencyRounds; i++) {
    const intended = t0 + (i * 1000) / rate;
    const wait = intended - nowMs();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const w = workers[i % workers.length] as Round;
    pending.push(w().then(() => lat.recordMs(nowMs() - intended)));
  }
  await Promise.all(pending);
  const s = lat.summary();
  emit({ name, ops_per_s: Math.round(perSecond), client_cpu_pct: clientCpuPct, p50_ms: s.p50_ms, p99_ms: s.p99_ms, p999_ms: s.p999_ms, max_ms: s.max_ms, latency_at_rounds_per_s: round(rate, 1), latency_of: 'one round of 10 (send, receive, delete)', ...extra });
}

async function jsonBatch10(): Promise<void> {
  const server = await startServer();
  const pool = new Pool(server.url, { connections: 32, pipelining: 1 });
  // The client shares the machine's two cores with the server, so it does no more than a round
  // needs: the request bodies that never change are serialised once, and only the receive's
  // response is parsed (the others are read whole and checked). The client's CPU fell from ~45% to
  // ~37% of a core and the line rose ~4% (see BENCHMARKS.md, eleventh session).
  const post = async (path: string, body: string): Promise<string> => {
    const res = await pool.request({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`${path}: ${res.statusCode} ${text}`);
    return text;
  };
  await fetch(`${server.url}/v1/queues/bench`, { method: 'PUT' });
  const batch = JSON.stringify({ messages: Array.from({ length: 10 }, () => ({ body: payload })) });
  const receive = JSON.stringify({ max: 10, waitMs: 1000 });
  try {
    await measure(
      'server.json.batch10',
      () => async () => {
        await post('/v1/queues/bench/messages', batch);
        const got = JSON.parse(await post('/v1/queues/bench/receive', receive)) as { messages: { receipt: string }[] };
        const acked = await post('/v1/queues/bench/ack', JSON.stringify({ receipts: got.messages.map((m) => m.receipt) }));
        if (acked.includes('"ok":false')) throw new Error(`an ack failed: ${acked}`);
      },
      { durability: 'fsync (WAL fdatasync before a write resolves)', client: 'undici Pool, JSON API (batch ack), separate process' },
    );
  } finally {
    await pool.close();
    await server.stop();
  }
}

/** The same rounds through the remote engine over its WebSocket push channel (receive and acks). */
async function pushBatch10(): Promise<void> {
  const server = await startServer();
  const broker = await openRemoteBroker({ url: server.url });
  const q = await broker.createQueue('bench');
  const batch = Array.from({ length: 10 }, () => ({ body: payload }));
  try {
    await measure(
      'server.push.batch10',
      () => async () => {
        await q.sendBatch(batch);
        const got = await q.receive({ max: 10, waitMs: 1000 });
        await Promise.all(got.map((m) => q.ack(m)));
      },
      { durability: 'fsync (WAL fdatasync before a write resolves)', client: '@switchyard/remote (HTTP send, WebSocket receive and ack), separate process' },
    );
  } finally {
    await broker.close();
    await server.stop();
  }
}

async function sqsBatch10(): Promise<void> {
  const server = await startServer();
  const sqs = new SQSClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  await fetch(`${server.url}/v1/queues/bench`, { method: 'PUT' });
  const QueueUrl = `${server.url}/000000000000/bench`;
  const Entries = Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: payload }));
  try {
    await measure(
      'server.sqs.batch10',
      () => async () => {
        await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries }));
        const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        const msgs = got.Messages ?? [];
        if (msgs.length > 0) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: msgs.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle as string })) }));
      },
      { durability: 'fsync (WAL fdatasync before a write resolves)', client: '@aws-sdk/client-sqs, separate process' },
    );
  } finally {
    sqs.destroy();
    await server.stop();
  }
}

async function inProcessBatch10(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-inproc-'));
  const broker = await openBroker({ path: join(dir, 'b.db') });
  const q = await broker.createQueue('bench');
  const batch = Array.from({ length: 10 }, () => ({ body: payload }));
  try {
    await measure(
      'server.inprocess.batch10',
      () => async () => {
        await q.sendBatch(batch);
        const got = await q.receive({ max: 10, waitMs: 1000 });
        await Promise.all(got.map((m) => q.ack(m)));
      },
      { durability: 'fsync (WAL fdatasync before a write resolves)', client: 'same process, no network' },
    );
  } finally {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function serverStatus(pid: number): { rssPeakMb: number; cpuMs: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(stat[11] ?? 0) + Number(stat[12] ?? 0);
  return { rssPeakMb: round(hwm / 1024, 1), cpuMs: ticks * 10 };
}

async function longPoll1000(): Promise<void> {
  const server = await startServer();
  const pid = server.child.pid as number;
  await fetch(`${server.url}/v1/queues/trickle`, { method: 'PUT' });
  const lat = new Latency();
  let delivered = 0;
  let stop = false;
  const before = serverStatus(pid);
  const pollers = Array.from({ length: 1000 }, async () => {
    while (!stop) {
      const res = await fetch(`${server.url}/v1/queues/trickle/receive`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ max: 1, waitMs: 20_000 }) });
      const { messages } = (await res.json()) as { messages: { receipt: string; headers: Record<string, string> }[] };
      for (const m of messages) {
        lat.recordMs(Date.now() - Number(m.headers.sent));
        delivered++;
        await fetch(`${server.url}/v1/queues/trickle/ack`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ receipts: [m.receipt] }) });
      }
    }
  });
  await new Promise((r) => setTimeout(r, 3000)); // all polls connected and waiting
  const idleStart = serverStatus(pid);
  await new Promise((r) => setTimeout(r, 5000));
  const idleEnd = serverStatus(pid);
  const sent = 200;
  for (let i = 0; i < sent; i++) {
    await fetch(`${server.url}/v1/queues/trickle/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ body: payload, headers: { sent: String(Date.now()) } }] }) });
    await new Promise((r) => setTimeout(r, 50));
  }
  while (delivered < sent) await new Promise((r) => setTimeout(r, 20));
  const after = serverStatus(pid);
  stop = true;
  await server.stop();
  await Promise.allSettled(pollers);
  const s = lat.summary();
  emit({
    name: 'server.longpoll.1000',
    ops_per_s: 20,
    p50_ms: s.p50_ms,
    p99_ms: s.p99_ms,
    max_ms: s.max_ms,
    peak_rss_mb: after.rssPeakMb,
    rss_before_polls_mb: before.rssPeakMb,
    server_cpu_ms_while_1000_wait_5s: idleEnd.cpuMs - idleStart.cpuMs,
    messages: sent,
    latency_of: 'send (client clock) to delivery, across 1,000 waiting polls',
  });
}

const which = process.argv[2];
const cases: Record<string, () => Promise<void>> = {
  'server.json.batch10': jsonBatch10,
  'server.sqs.batch10': sqsBatch10,
  'server.push.batch10': pushBatch10,
  'server.inprocess.batch10': inProcessBatch10,
  'server.longpoll.1000': longPoll1000,
};
const run = which ? cases[which] : undefined;
if (!run) {
  console.error(`unknown server bench case ${which}; one of ${Object.keys(cases).join(', ')}`);
  process.exit(2);
}
await run();
process.exit(0);
