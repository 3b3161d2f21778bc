/**
 * The resilient HTTP client against bare undici (issue 7), through a local HTTP server in
 * another process. `discovery.ts <case>`:
 *
 *   http.client.undici      undici `Agent.request` to the server's origin, body drained.
 *   http.client.switchyard  HttpClient: the service resolved through a MemoryRegistry (one
 *                           instance), round robin, outlier detection, retry (3 attempts) and a
 *                           10 s per-attempt timeout; same default undici Agent; body drained.
 *   http.client             both, alternating in fresh processes for BENCH_HTTP_ROUNDS rounds
 *                           (default 5) against one server, printing each client's median
 *                           round; the switchyard line carries `throughput_vs_undici`. Use this
 *                           one on a shared machine: alternation spreads the noise evenly.
 *                           With BENCH_HTTP_BASELINE=<another copy of discovery's src/index.ts>,
 *                           a third client, `http.client.switchyard.baseline`, alternates with
 *                           the two: before and after a change, side by side. The copy must sit
 *                           inside the repository to find the workspace's packages, e.g.
 *                           `mkdir .base && git archive HEAD packages/discovery/src | tar -x -C .base`
 *                           and BENCH_HTTP_BASELINE=$PWD/.base/packages/discovery/src/index.ts;
 *                           remove it afterwards (lint would read it).
 *   <file>.ts:<case>        runs another bench file's case (so one bench/run.ts group can
 *                           hold cases from several files).
 *
 * ops_per_s: closed loop, BENCH_HTTP_CONCURRENCY (default 32) requests in flight; with it,
 * client_cpu_us_per_op (the client process's CPU per request, which machine noise disturbs far
 * less than throughput, so it shows the client's own cost most plainly). Latency: a
 * second, open-loop run at BENCH_HTTP_RATE per second (default 4000), measured from when each
 * request was *meant* to start. The server answers `{"ok":true}` on keep-alive connections;
 * nothing is stored, so there is no durability to speak of.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Agent } from 'undici';
import { HttpClient, MemoryRegistry } from '@switchyard/discovery';
import { emit, Latency, nowMs, peakRssMb, round } from './lib.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const closedMs = env('BENCH_HTTP_MS', 1500);
const openMs = env('BENCH_HTTP_OPEN_MS', 1500);
const concurrency = env('BENCH_HTTP_CONCURRENCY', 32);
const rate = env('BENCH_HTTP_RATE', 4000);
const rounds = env('BENCH_HTTP_ROUNDS', 5);
const baseline = process.env.BENCH_HTTP_BASELINE;
const self = fileURLToPath(import.meta.url);
const nodeArgs = ['--import', 'tsx'];

type Op = () => Promise<unknown>;

/** Starts this file as the server in a child process; resolves with its port. */
function startServer(): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [...nodeArgs, self, '--serve'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    child.stdout!.once('data', (b: Buffer) => resolve({ port: Number(b.toString().trim()), child }));
  });
}

function serve(): void {
  const server = createServer((req, res) => {
    req.resume();
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
}

async function clientFor(name: string, port: number): Promise<{ op: Op; close: () => Promise<void>; extra: Record<string, unknown> }> {
  if (name === 'http.client.undici') {
    const agent = new Agent();
    const origin = `http://127.0.0.1:${port}`;
    const op = async () => {
      const res = await agent.request({ origin, path: '/', method: 'GET' });
      await res.body.dump();
    };
    return { op, close: () => agent.close(), extra: { client: 'undici Agent.request' } };
  }
  if (name === 'http.client.switchyard' || (name === 'http.client.switchyard.baseline' && baseline)) {
    const lib = name === 'http.client.switchyard' ? { HttpClient, MemoryRegistry } : ((await import(pathToFileURL(baseline!).href)) as { HttpClient: typeof HttpClient; MemoryRegistry: typeof MemoryRegistry });
    const registry = new lib.MemoryRegistry();
    await registry.register({ id: 'bench-1', service: 'bench', address: { host: '127.0.0.1', port } }, { ttlMs: 3_600_000 });
    const client = new lib.HttpClient({ registry });
    const op = async () => {
      const res = await client.request('bench', { path: '/' });
      await res.body.dump();
    };
    return {
      op,
      close: async () => {
        await client.close();
        await registry.close();
      },
      extra: { client: 'HttpClient: registry + round robin + outlier + retry(3) + timeout(10 s)', ...(lib.HttpClient === HttpClient ? {} : { code: baseline }) },
    };
  }
  throw new Error(`unknown case ${name}; cases: http.client, http.client.undici, http.client.switchyard, http.client.switchyard.baseline (with BENCH_HTTP_BASELINE), <file>.ts:<case>`);
}

async function closedLoop(op: Op, maxMs: number): Promise<{ opsPerS: number; ops: number; failed: number; cpuUsPerOp: number }> {
  let ops = 0;
  let failed = 0;
  const cpu = process.cpuUsage();
  const start = nowMs();
  const deadline = start + maxMs;
  const worker = async () => {
    while (nowMs() < deadline) {
      try {
        await op();
      } catch {
        failed++;
      }
      ops++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const used = process.cpuUsage(cpu);
  return { opsPerS: ops / ((nowMs() - start) / 1000), ops, failed, cpuUsPerOp: (used.user + used.system) / Math.max(1, ops) };
}

/** Request i is due at start + i/rate and timed from then; stragglers get 10 s more. */
async function openLoop(op: Op, lat: Latency): Promise<{ sent: number; failed: number; late: number }> {
  const interval = 1000 / rate;
  const total = Math.floor((rate * openMs) / 1000);
  let sent = 0;
  let settled = 0;
  let failed = 0;
  const start = nowMs();
  while (sent < total && nowMs() < start + openMs + 1000) {
    const now = nowMs();
    while (sent < total && start + sent * interval <= now) {
      const due = start + sent * interval;
      sent++;
      op().then(
        () => (settled++, lat.recordMs(nowMs() - due)),
        () => (settled++, failed++),
      );
    }
    await new Promise<void>((r) => setImmediate(r));
  }
  const drainUntil = nowMs() + 10_000;
  while (settled < sent && nowMs() < drainUntil) await new Promise<void>((r) => setImmediate(r));
  return { sent, failed, late: sent - settled };
}

async function runClient(name: string): Promise<void> {
  const external = process.env.BENCH_HTTP_PORT;
  const server = external ? undefined : await startServer();
  const port = external ? Number(external) : server!.port;
  const { op, close, extra } = await clientFor(name, port);
  try {
    await closedLoop(op, 500); // warm-up: JIT, connections
    const closed = await closedLoop(op, closedMs);
    const lat = new Latency();
    const open = await openLoop(op, lat);
    const s = lat.summary();
    emit({
      name,
      ops_per_s: Math.round(closed.opsPerS),
      p50_ms: s.p50_ms,
      p99_ms: s.p99_ms,
      p90_ms: s.p90_ms,
      p999_ms: s.p999_ms,
      max_ms: s.max_ms,
      peak_rss_mb: peakRssMb(),
      closed_loop_ops: closed.ops,
      closed_loop_failed: closed.failed,
      closed_loop_concurrency: concurrency,
      client_cpu_us_per_op: round(closed.cpuUsPerOp, 1),
      latency_rate_per_s: rate,
      latency_calls: open.sent,
      latency_failed: open.failed,
      latency_unfinished: open.late,
      durability: 'none (nothing stored)',
      node: process.version,
      ...extra,
    });
  } finally {
    await close();
    server?.child.kill('SIGTERM');
  }
}

/** The clients, alternating in fresh processes against one server; the median round of each. */
async function compare(): Promise<void> {
  const server = await startServer();
  const results: Record<string, Record<string, unknown>[]> = { 'http.client.undici': [], 'http.client.switchyard': [], ...(baseline ? { 'http.client.switchyard.baseline': [] } : {}) };
  try {
    for (let r = 0; r < rounds; r++) {
      for (const name of Object.keys(results)) {
        const out = spawnSync(process.execPath, [...nodeArgs, self, name], { env: { ...process.env, BENCH_HTTP_PORT: String(server.port) }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
        if (out.status !== 0) throw new Error(`${name} round ${r + 1} failed (exit ${out.status ?? out.signal})`);
        results[name]!.push(JSON.parse(out.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>);
      }
    }
  } finally {
    server.child.kill('SIGTERM');
  }
  const median = (rs: Record<string, unknown>[]) => [...rs].sort((a, b) => Number(a.ops_per_s) - Number(b.ops_per_s))[Math.floor(rs.length / 2)]!;
  const bare = median(results['http.client.undici']!);
  const perRound = (name: string) => results[name]!.map((x) => x.ops_per_s);
  console.log(JSON.stringify({ ...bare, rounds, ops_per_s_rounds: perRound('http.client.undici') }));
  const cpu = (name: string) => results[name]!.map((x) => Number(x.client_cpu_us_per_op)).sort((a, b) => a - b)[Math.floor(rounds / 2)]!;
  for (const name of Object.keys(results).slice(1)) {
    const ours = median(results[name]!);
    console.log(
      JSON.stringify({
        ...ours,
        rounds,
        ops_per_s_rounds: perRound(name),
        throughput_vs_undici: round(Number(ours.ops_per_s) / Number(bare.ops_per_s)),
        client_cpu_vs_undici: round(cpu(name) / cpu('http.client.undici')),
      }),
    );
  }
}

/** `<file>.ts:<case>`: a case of another bench file, run as that file would run it. */
function forward(spec: string): void {
  const [file, name] = spec.split(':');
  const r = spawnSync(process.execPath, [...nodeArgs, join(import.meta.dirname, file!), name!], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${spec} failed (exit ${r.status ?? r.signal})`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = process.argv[2] ?? 'http.client';
  if (arg === '--serve') serve();
  else {
    if (/^[\w.-]+\.ts:[\w.-]+$/.test(arg)) forward(arg);
    else if (arg === 'http.client') await compare();
    else await runClient(arg);
    process.exit(0);
  }
}
