/**
 * Resilience benchmarks (issue 7). `run()` runs every case, each in its own Node process (so one
 * case's heap and peak RSS do not leak into the next); `resilience.ts <case>` runs one in-process.
 *
 *   resilience.wrap.{switchyard,cockatiel,opossum}
 *       retry (3 attempts) + circuit breaker (opens after failures, half-open after 10 s) +
 *       cooperative timeout (1 s) around a no-op async call that always succeeds. Cockatiel 3 has
 *       the same three policies; opossum is a breaker with a built-in timeout, so a 3-attempt
 *       retry loop is written around `fire()`. `resilience.wrap.switchyard.reads-signal` is the
 *       Switchyard composition with a task that reads its AbortSignal (see the case).
 *   ratelimit.tokenbucket.local   in-process TokenBucketLimiter over 1,000 keys.
 *   ratelimit.tokenbucket.redis   RedisTokenBucketLimiter (one Lua script per decision, server
 *                                 time) on a local redis-server without persistence.
 *
 * ops_per_s: closed loop (policies: one call at a time, so it is the cost of a call; Redis: 32 in
 * flight on one connection). Latency: a second, open-loop run at a fixed rate, measured from when
 * each call was *meant* to start, so a stall shows up in the tail instead of slowing the sender.
 * Every loop is bounded both in count and in time.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import CircuitBreaker from 'opossum';
import * as cockatiel from 'cockatiel';
import { Redis } from 'ioredis';
import {
  CircuitBreakerPolicy,
  ConsecutiveBreaker,
  RedisTokenBucketLimiter,
  RetryPolicy,
  TimeoutPolicy,
  TokenBucketLimiter,
  exponentialBackoff,
  wrap,
} from '@switchyard/resilience';
import { startRedis } from '../tests/support/redis.js';
import { emit, Latency, nowMs, peakRssMb } from './lib.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const closedMaxOps = env('BENCH_RES_OPS', 1_000_000);
const closedMaxMs = env('BENCH_RES_MS', 3000);
const openMs = env('BENCH_RES_OPEN_MS', 3000);
/** One arrival rate for all three policy libraries, so their latencies compare like for like. */
const policyRate = env('BENCH_RES_RATE', 20_000);
const redisRate = env('BENCH_RES_REDIS_RATE', 5_000);

type Op = () => Promise<unknown>;

interface Case {
  /** Calls in flight in the closed loop. */
  concurrency: number;
  ratePerS: number;
  setup(): Promise<{ op: Op; teardown?: () => Promise<void> | void; extra?: Record<string, unknown> }>;
}

const noop = async (): Promise<void> => {};

const cases: Record<string, Case> = {
  'resilience.wrap.switchyard': {
    concurrency: 1,
    ratePerS: policyRate,
    setup: async () => {
      const policy = wrap(
        new RetryPolicy({ maxAttempts: 3, backoff: exponentialBackoff() }),
        new CircuitBreakerPolicy({ breaker: new ConsecutiveBreaker(5), halfOpenAfterMs: 10_000 }),
        new TimeoutPolicy({ ms: 1000, strategy: 'cooperative' }),
      );
      return { op: () => policy.execute(noop) };
    },
  },
  // The same, with a task that reads its signal (as any real I/O call would): the policy's
  // AbortController is then made, which the no-op case skips. Reported for honesty.
  'resilience.wrap.switchyard.reads-signal': {
    concurrency: 1,
    ratePerS: policyRate,
    setup: async () => {
      const policy = wrap(
        new RetryPolicy({ maxAttempts: 3, backoff: exponentialBackoff() }),
        new CircuitBreakerPolicy({ breaker: new ConsecutiveBreaker(5), halfOpenAfterMs: 10_000 }),
        new TimeoutPolicy({ ms: 1000, strategy: 'cooperative' }),
      );
      let aborted = 0;
      const task = async ({ signal }: { signal: AbortSignal }) => void (aborted += signal.aborted ? 1 : 0);
      return { op: () => policy.execute(task), extra: { note: 'task reads ctx.signal' } };
    },
  },
  'resilience.wrap.cockatiel': {
    concurrency: 1,
    ratePerS: policyRate,
    setup: async () => {
      const policy = cockatiel.wrap(
        // cockatiel counts retries, not attempts: 2 retries = 3 attempts.
        cockatiel.retry(cockatiel.handleAll, { maxAttempts: 2, backoff: new cockatiel.ExponentialBackoff() }),
        cockatiel.circuitBreaker(cockatiel.handleAll, { halfOpenAfter: 10_000, breaker: new cockatiel.ConsecutiveBreaker(5) }),
        cockatiel.timeout(1000, cockatiel.TimeoutStrategy.Cooperative),
      );
      return { op: () => policy.execute(noop) };
    },
  },
  'resilience.wrap.opossum': {
    concurrency: 1,
    ratePerS: policyRate,
    setup: async () => {
      const breaker = new CircuitBreaker(noop, { timeout: 1000, resetTimeout: 10_000, errorThresholdPercentage: 50 });
      const op = async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await breaker.fire();
          } catch (err) {
            if (attempt >= 3 || breaker.opened) throw err;
          }
        }
      };
      return { op, teardown: () => breaker.shutdown() };
    },
  },
  'ratelimit.tokenbucket.local': {
    concurrency: 1,
    ratePerS: policyRate,
    setup: async () => {
      const limiter = new TokenBucketLimiter({ capacity: 1_000_000, refillTokens: 1_000_000 });
      let i = 0;
      return { op: () => limiter.tryAcquire(`client-${i++ % 1000}`), extra: { keys: 1000 } };
    },
  },
  'ratelimit.tokenbucket.redis': {
    concurrency: 32,
    ratePerS: redisRate,
    setup: async () => {
      const server = await startRedis();
      if (!server) throw new Error('redis-server is not installed (apt-get install redis-server)');
      const client = new Redis({ host: server.host, port: server.port });
      const limiter = new RedisTokenBucketLimiter({ client, capacity: 1_000_000, refillTokens: 1_000_000 });
      let i = 0;
      return {
        op: () => limiter.tryAcquire(`client-${i++ % 1000}`),
        teardown: async () => {
          await client.quit();
          await server.stop();
        },
        extra: { keys: 1000, durability: 'none (redis-server --save "" --appendonly no)', time_source: 'redis TIME' },
      };
    },
  },
};

/** Closed loop: `concurrency` workers each run `op` back to back. Returns calls per second. */
async function closedLoop(op: Op, concurrency: number, maxOps: number, maxMs: number): Promise<{ opsPerS: number; ops: number }> {
  let ops = 0;
  const start = nowMs();
  const deadline = start + maxMs;
  const worker = async () => {
    // The clock is read every 256 calls: often enough to stop on time, rarely enough to be free.
    while (ops < maxOps) {
      await op();
      if (++ops % 256 === 0 && nowMs() >= deadline) break;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { opsPerS: ops / ((nowMs() - start) / 1000), ops };
}

/**
 * Open loop: call i is due at start + i/rate, sent as soon as the loop sees it due, and timed from
 * when it was due. Stops sending after `durationMs`; waits at most 10 s more for stragglers.
 */
async function openLoop(op: Op, ratePerS: number, durationMs: number, lat: Latency): Promise<{ sent: number; failed: number; late: number }> {
  const interval = 1000 / ratePerS;
  const total = Math.floor((ratePerS * durationMs) / 1000);
  let sent = 0;
  let settled = 0;
  let failed = 0;
  const start = nowMs();
  while (sent < total && nowMs() < start + durationMs + 1000) {
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

async function runCase(name: string): Promise<void> {
  const c = cases[name];
  if (!c) throw new Error(`unknown case ${name}; cases: ${Object.keys(cases).join(', ')}`);
  const { op, teardown, extra } = await c.setup();
  try {
    await closedLoop(op, c.concurrency, 50_000, 500); // warm-up: JIT, caches, connections
    const closed = await closedLoop(op, c.concurrency, closedMaxOps, closedMaxMs);
    const lat = new Latency();
    const open = await openLoop(op, c.ratePerS, openMs, lat);
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
      closed_loop_concurrency: c.concurrency,
      latency_rate_per_s: c.ratePerS,
      latency_calls: open.sent,
      latency_failed: open.failed,
      latency_unfinished: open.late,
      node: process.version,
      ...extra,
    });
  } finally {
    await teardown?.();
  }
}

/** Runs every case (or the named ones), each in a fresh Node process; prints one JSON line each. */
export async function run(only: string[] = []): Promise<void> {
  const names = only.length > 0 ? only : Object.keys(cases);
  const self = fileURLToPath(import.meta.url);
  for (const name of names) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', self, name], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`bench case ${name} failed (exit ${r.status ?? r.signal})`);
  }
}

// Run directly (bench/run.ts starts this file with `all` or a case name).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = process.argv[2] ?? 'all';
  if (arg === 'all') await run();
  else await runCase(arg);
  // Drop lingering handles (cockatiel and opossum timers) rather than wait for them.
  process.exit(0);
}
