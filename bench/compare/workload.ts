/**
 * The compare workload (issue 6): the same load through Switchyard on each engine and through
 * each engine's own popular client. 1 KiB messages, one producer, one consumer with 16 messages
 * in flight (received and not yet acknowledged), durable settings.
 *
 *   ops_per_s   closed loop: the producer keeps 256 sends outstanding (and at most 1,000
 *               messages waiting in the queue); messages handled per second over
 *               `BENCH_COMPARE_COUNT` messages (default 50,000).
 *   p50/p99_ms  open loop at half that rate over a fifth as many messages, measured from when
 *               each send was *meant* to start to when its handler ran (no coordinated omission).
 *
 * Each phase stops after `BENCH_COMPARE_MAX_S` seconds (default 300) of producing and as long
 * again of waiting for the consumer; a cut-short run reports `truncated: true` and its figures
 * count only what was handled in the time, so a slow system cannot run unbounded.
 */
import { emit, Latency, nowMs, round, Semaphore } from '../lib.js';

/** What a case supplies: a producer, a consumer and how durable they are. */
export interface CompareTarget {
  /** The durability the figures had, said plainly (e.g. "fsync per commit (synchronous_commit=on)"). */
  durability: string;
  /** Sends one message; resolves when the engine has acknowledged it as stored. */
  send(body: string, headers: Record<string, string>): Promise<void>;
  /**
   * Starts a consumer that keeps at most 16 messages in flight and calls `onMessage` with the
   * headers of each message it handles (before acknowledging it). Resolves once it is running.
   */
  startConsumer(onMessage: (headers: Record<string, string>) => void): Promise<void>;
  /** Stops the consumer and releases everything (servers included). */
  close(): Promise<void>;
  /** Anything worth printing beside the figures (client version, consumer shape). */
  notes?: Record<string, unknown>;
}

const payload = 'x'.repeat(Number(process.env.BENCH_BODY ?? 1024));
const count = Number(process.env.BENCH_COMPARE_COUNT ?? 50_000);
const maxMs = Number(process.env.BENCH_COMPARE_MAX_S ?? 300) * 1000;
const backlogLimit = 1000;

export async function runCompare(name: string, open: () => Promise<CompareTarget>): Promise<void> {
  const target = await open();
  try {
    let handled = 0;
    let onHandled: (() => void) | undefined;
    let record: (headers: Record<string, string>) => void = () => undefined;
    await target.startConsumer((headers) => {
      record(headers);
      handled++;
      onHandled?.();
    });
    /** Waits until `n` messages were handled, or until `deadline` (monotonic ms); true if all were. */
    const waitFor = (n: number, deadline: number) =>
      new Promise<boolean>((resolve) => {
        if (handled >= n) return resolve(true);
        const timer = setTimeout(() => finish(false), Math.max(0, deadline - nowMs()));
        const finish = (all: boolean) => {
          clearTimeout(timer);
          onHandled = undefined;
          resolve(all);
        };
        onHandled = () => handled >= n && finish(true);
      });

    // Throughput: closed loop, 256 sends outstanding.
    const outstanding = new Semaphore(256);
    const cpu0 = process.cpuUsage();
    const start = nowMs();
    let sent = 0;
    for (; sent < count && nowMs() - start < maxMs; sent++) {
      await outstanding.acquire();
      // A consumer slower than the producer would otherwise leave a backlog that the latency
      // phase then waits behind; 1,000 queued is plenty to keep any consumer busy.
      if (sent - handled > backlogLimit) await waitFor(sent - backlogLimit, start + maxMs);
      void target.send(payload, {}).then(() => outstanding.release());
    }
    const drained = await waitFor(sent, start + 2 * maxMs);
    const throughputCount = handled;
    const throughput = handled / ((nowMs() - start) / 1000);
    const cpu = process.cpuUsage(cpu0);
    const truncated = sent < count || !drained;

    // Latency: open loop at half the measured rate.
    const latencyCount = Math.max(1, Math.floor(count / 5));
    const rate = Math.max(1, Math.round(throughput / 2));
    const lat = new Latency();
    record = (h) => lat.recordMs(nowMs() - Number(h['t']));
    const base = handled;
    const t0 = nowMs();
    let latSent = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const due = Math.min(latencyCount, Math.floor(((nowMs() - t0) * rate) / 1000) + 1);
        for (; latSent < due; latSent++) void target.send(payload, { t: String(t0 + (latSent * 1000) / rate) });
        if (latSent >= latencyCount || nowMs() - t0 > maxMs) resolve();
        else setTimeout(tick, 1);
      };
      tick();
    });
    const latencyDrained = await waitFor(base + latSent, t0 + 2 * maxMs);
    const s = lat.summary();
    emit({
      name,
      ops_per_s: Math.round(throughput),
      p50_ms: s.p50_ms,
      p99_ms: s.p99_ms,
      p90_ms: s.p90_ms,
      p999_ms: s.p999_ms,
      max_ms: s.max_ms,
      durability: target.durability,
      messages: throughputCount,
      latency_messages: lat.count,
      latency_at_per_s: rate,
      cpu_us_per_msg: round((cpu.user + cpu.system) / Math.max(1, throughputCount), 1),
      in_flight: 16,
      ...(truncated || !latencyDrained || latSent < latencyCount ? { truncated: true } : {}),
      ...target.notes,
    });
  } finally {
    await target.close();
  }
}
