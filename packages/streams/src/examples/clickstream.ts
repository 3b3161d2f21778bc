/**
 * The four classic windows on a small clickstream, end to end on the embedded engine:
 *
 *   clicks per user per minute            tumbling(1 min)                  count
 *   moving 10-minute average load time     hopping(10 min, every 1 min)     average
 *   "more than 5 failed logins in any 60 s" sliding(60 s)                  sum of failures, emitted when > 5
 *   user sessions with a 30-minute gap     session(30 min)                  count
 *
 * Run it: node --conditions=switchyard-source --import tsx packages/streams/src/examples/clickstream.ts
 */
import type { Broker, Stream, StreamRecord } from '@switchyard/core';
import { openBroker } from '@switchyard/sqlite';
import { average, count, hopping, session, sliding, sum, tumbling, WindowedAggregation, type WindowResultBody } from '../index.js';

const minute = 60_000;

/** Synthetic traffic, with fixed timestamps so the results are known in advance. */
async function produce(clicks: Stream, loads: Stream, logins: Stream): Promise<void> {
  const click = (user: string, at: number) => ({ key: user, body: { page: '/home' }, timestamp: at });
  await clicks.appendBatch([
    click('alice', 5_000), click('alice', 20_000), click('bob', 30_000), click('alice', 50_000),
    click('alice', minute + 10_000), click('alice', minute + 40_000),
    click('carol', 2 * minute), click('carol', 7 * minute), click('carol', 12 * minute),
    click('carol', 50 * minute),
  ]);
  // One page load per minute, each 10 ms slower than the one before.
  await loads.appendBatch(Array.from({ length: 15 }, (_, m) => ({ key: '/home', body: { ms: 100 + 10 * m }, timestamp: m * minute + 30_000 })));
  const attempt = (account: string, at: number, ok = false) => ({ key: account, body: { ok }, timestamp: at });
  await logins.appendBatch([
    ...[0, 8, 15, 22, 40, 49].map((s) => attempt('mallory', 10 * minute + s * 1000)), // 6 failures within 49 s: alert
    ...[0, 15, 30, 45, 60].map((s) => attempt('dave', 20 * minute + s * 1000)), // 5 failures within 60 s: no alert
    ...[0, 30, 60, 90, 120, 150].map((s) => attempt('erin', 30 * minute + s * 1000)), // 6 failures over 150 s: no alert
    attempt('erin', 30 * minute + 160_000, true),
  ]);
  // Watermarks follow the records: a record two hours on closes every window before it.
  for (const s of [clicks, loads, logins]) await s.append({ key: 'tick', body: { ok: true, ms: 0 }, timestamp: 120 * minute });
}

export interface ExampleResults {
  clicksPerMinute: string[];
  movingAverage: string[];
  alerts: string[];
  sessions: string[];
}

/** Creates the streams, produces the traffic, runs the four aggregations to the end, and reads their outputs. */
export async function runClickstream(broker: Broker): Promise<ExampleResults> {
  const clicks = await broker.createStream('clicks');
  const loads = await broker.createStream('page-loads');
  const logins = await broker.createStream('logins');
  for (const out of ['clicks-per-minute', 'load-time-10min', 'login-alerts', 'sessions']) await broker.createStream(out);
  await produce(clicks, loads, logins);

  const jobs = [
    new WindowedAggregation(clicks, { group: 'clicks-per-minute', window: tumbling(minute), aggregate: count(), emit: { stream: 'clicks-per-minute' } }),
    new WindowedAggregation(loads, {
      group: 'load-time-10min',
      window: hopping({ sizeMs: 10 * minute, advanceMs: minute }),
      aggregate: average((b: { ms: number }) => b.ms),
      emit: { stream: 'load-time-10min' },
    }),
    new WindowedAggregation(logins, {
      group: 'login-alerts',
      window: sliding(60_000),
      aggregate: sum((b: { ok: boolean }) => (b.ok ? 0 : 1)),
      emitWhen: (r) => r.value > 5,
      emit: { stream: 'login-alerts' },
    }),
    new WindowedAggregation(clicks, { group: 'sessions', window: session(30 * minute), aggregate: count(), emit: { stream: 'sessions' } }),
  ];
  for (const job of jobs) {
    while ((await job.step()).records > 0);
    await job.close();
  }

  const results = async (name: string, show: (b: WindowResultBody) => string) =>
    (await readAll(broker.stream(name))).map((r) => show(r.body as unknown as WindowResultBody)).filter((line) => !line.startsWith('tick'));
  const at = (ms: number) => `${String(Math.floor(ms / minute)).padStart(2, '0')}:${String((ms % minute) / 1000).padStart(2, '0')}`;
  return {
    clicksPerMinute: await results('clicks-per-minute', (b) => `${b.key} ${at(b.start)} ${String(b.value)}`),
    movingAverage: await results('load-time-10min', (b) => `${b.key} ${at(b.start)}-${at(b.end)} avg ${String(b.value)} ms`),
    alerts: await results('login-alerts', (b) => `${b.key} ${String(b.value)} failures in ${at(b.start)}..${at(b.end - 1)}`),
    sessions: await results('sessions', (b) => `${b.key} ${at(b.start)}-${at(b.end - 30 * minute)} ${String(b.value)} clicks`),
  };
}

async function readAll(s: Stream): Promise<StreamRecord[]> {
  const out: StreamRecord[] = [];
  for (let offset = 0; ; ) {
    const page = await s.read({ partition: 0, offset, max: 500 });
    if (page.length === 0) return out;
    out.push(...page);
    offset = (page.at(-1) as StreamRecord).offset + 1;
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  await using broker = await openBroker({ path: ':memory:' });
  const r = await runClickstream(broker);
  for (const [title, lines] of Object.entries(r)) console.log(`${title}:\n  ${lines.join('\n  ')}`);
}
