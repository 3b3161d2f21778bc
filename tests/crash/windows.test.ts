/**
 * Crash safety of windowed aggregation: aggregators (members of one consumer group) are killed
 * with SIGKILL at random moments, round after round, while a producer keeps appending; each
 * round starts fresh members (sometimes two at once, sometimes a static member taking over its
 * dead incarnation). Finally one member runs until the group has committed everything, and the
 * emitted window counts are compared with a recomputation from the input log:
 *   - lost: events the recomputation counts in a closed window that the results do not;
 *   - double_counted: counts in the results beyond the recomputation (a window emitted twice,
 *     an event counted twice, or a window emitted that should not have closed).
 * Window state, offsets and results are committed in one transaction, so both must be zero.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Broker, Stream, StreamRecord } from '@switchyard/core';
import { openBroker } from '@switchyard/sqlite';
import { count, tumbling, WindowedAggregation, type WindowResultBody } from '@switchyard/streams';
import { kill9, spawnTs } from '../support/spawn-ts.js';
import { windowsScenario as w } from './workers/windows-scenario.js';

const rounds = Number(process.env.CRASH_WINDOW_ROUNDS ?? 32);
const worker = join(import.meta.dirname, 'workers', 'aggregator.ts');
const t0 = Date.UTC(2026, 0, 1);

test(`windowed aggregation survives SIGKILL of its consumers (${rounds} rounds)`, { timeout: 5 * 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-windows-crash-'));
  const path = join(dir, 'windows.db');
  const broker = await openBroker({ path });
  try {
    const input = await broker.createStream(w.input, { partitions: w.partitions, retention: { maxAgeMs: null } });
    await broker.createStream(w.output, { partitions: 2, retention: { maxAgeMs: null } });
    const producer = new Producer(input);
    let interrupted = 0;
    let progressed = 0;
    for (let round = 0; round < rounds; round++) {
      await producer.append(200);
      const durability = round % 2 === 0 ? 'fsync' : 'relaxed';
      const ids = round % 3 === 0 ? ['', ''] : round % 3 === 1 ? ['static-member'] : [''];
      const before = await committedTotal(input);
      const procs = ids.map((id) => spawnTs(worker, [path, durability, id], { stdio: 'pipe' }));
      // The producer keeps appending until the last kill, so a killed member leaves work behind.
      const stop = new AbortController();
      const feeding = producer.feed(stop.signal);
      await Promise.all(procs.map((p) => killAtRandom(p)));
      stop.abort();
      await feeding;
      const after = await committedTotal(input);
      if (after > before) progressed++;
      if (after < (await endTotal(input))) interrupted++;
    }
    // Later records on every partition close every window the producer's events fall in.
    await input.appendBatch(Array.from({ length: w.partitions }, (_, partition) => ({ partition, key: 'closer', body: 0, timestamp: producer.now + 60_000 })));
    await finish(broker, input);

    const verdict = await check(input, broker.stream(w.output));
    console.log(`crash: scenario=windows rounds=${rounds} events=${verdict.events} lost=${verdict.lost} double_counted=${verdict.doubleCounted}`);
    console.log(
      `crash: detail windows=${verdict.windows} results=${verdict.results} duplicate_result_ids=${verdict.duplicateIds} rounds_with_progress=${progressed} rounds_killed_with_work_left=${interrupted}`,
    );
    assert.ok(verdict.windows > 100, 'too few closed windows: the test proved nothing');
    assert.ok(progressed >= rounds / 3, `the aggregators made progress in only ${progressed} rounds`);
    assert.ok(interrupted >= rounds / 2, `only ${interrupted} kills left work behind`);
    assert.equal(verdict.lost, 0, 'events were lost');
    assert.equal(verdict.doubleCounted, 0, 'events were counted twice');
    assert.equal(verdict.duplicateIds, 0, 'a result was emitted twice');
  } finally {
    await broker.close();
    assert.equal(await integrity(path), 'ok');
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Appends click events for random users, a little out of order. */
class Producer {
  readonly #input: Stream;
  #seq = 0;
  constructor(input: Stream) {
    this.#input = input;
  }
  get now(): number {
    return t0 + this.#seq * 50 + w.jitterMs;
  }
  async append(n: number): Promise<void> {
    const batch = Array.from({ length: n }, () => {
      const ts = t0 + this.#seq++ * 50 + Math.floor(Math.random() * w.jitterMs);
      return { key: `user-${Math.floor(Math.random() * w.users)}`, body: { n: this.#seq }, timestamp: ts };
    });
    await this.#input.appendBatch(batch);
  }
  /** Keeps appending small batches until the signal aborts. */
  async feed(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.append(5 + Math.floor(Math.random() * 30));
      await sleep(20);
    }
  }
}

/** Runs one member in this process until the group has committed every partition to its end. */
async function finish(broker: Broker, input: Stream): Promise<void> {
  const aggregation = new WindowedAggregation(broker.stream(w.input), {
    group: w.group,
    window: tumbling(w.windowMs),
    aggregate: count(),
    maxOutOfOrderMs: w.maxOutOfOrderMs,
    emit: { stream: w.output },
    consumer: { sessionTimeoutMs: w.sessionTimeoutMs },
  });
  const deadline = Date.now() + 60_000;
  while ((await committedTotal(input)) < (await endTotal(input)) || aggregation.assignment.length < w.partitions) {
    assert.ok(Date.now() < deadline, 'the final member did not catch up within a minute');
    await aggregation.step({ waitMs: 200 });
  }
  await aggregation.close();
}

interface Verdict {
  events: number;
  windows: number;
  results: number;
  lost: number;
  doubleCounted: number;
  duplicateIds: number;
}

/** Recomputes the closed windows from the input log and compares them with the emitted results. */
async function check(input: Stream, output: Stream): Promise<Verdict> {
  const expected = new Map<string, number>();
  let events = 0;
  for (let p = 0; p < w.partitions; p++) {
    const records = (await readAll(input, p)).filter((r) => r.key !== 'closer');
    events += records.length;
    const watermark = Math.max(...(await readAll(input, p)).map((r) => r.timestamp)) - w.maxOutOfOrderMs;
    for (const r of records) {
      const start = Math.floor(r.timestamp / w.windowMs) * w.windowMs;
      if (start + w.windowMs <= watermark) expected.set(`${r.key}@${start}`, (expected.get(`${r.key}@${start}`) ?? 0) + 1);
    }
  }
  const actual = new Map<string, number>();
  const ids = new Set<string>();
  let results = 0;
  let duplicateIds = 0;
  for (let p = 0; p < 2; p++) {
    for (const r of await readAll(output, p)) {
      const b = r.body as unknown as WindowResultBody<number>;
      if (b.key === 'closer') continue;
      results++;
      if (ids.has(r.id)) duplicateIds++;
      ids.add(r.id);
      actual.set(`${b.key}@${b.start}`, (actual.get(`${b.key}@${b.start}`) ?? 0) + b.value);
    }
  }
  let lost = 0;
  let doubleCounted = 0;
  for (const key of new Set([...expected.keys(), ...actual.keys()])) {
    const diff = (actual.get(key) ?? 0) - (expected.get(key) ?? 0);
    if (diff < 0) lost -= diff;
    else doubleCounted += diff;
  }
  return { events, windows: expected.size, results, lost, doubleCounted, duplicateIds };
}

async function readAll(s: Stream, partition: number): Promise<StreamRecord[]> {
  const out: StreamRecord[] = [];
  for (let offset = 0; ; ) {
    const page = await s.read({ partition, offset, max: 1000 });
    if (page.length === 0) return out;
    out.push(...page);
    offset = (page.at(-1) as StreamRecord).offset + 1;
  }
}

async function committedTotal(input: Stream): Promise<number> {
  return (await input.committed(w.group)).reduce((n, c) => n + c.offset, 0);
}

async function endTotal(input: Stream): Promise<number> {
  return (await input.offsets()).reduce((n, o) => n + o.end, 0);
}

async function integrity(path: string): Promise<string> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

/**
 * Kills a worker at a random moment: one time in five while it starts up and joins, otherwise
 * up to 1.2 s after it reported its first step (so a slow start on a busy machine does not turn
 * every round into a kill before any work).
 */
async function killAtRandom(child: ChildProcess): Promise<void> {
  child.stderr?.pipe(process.stderr);
  if (Math.random() < 0.2) return sleep(Math.random() * 800).then(() => kill9(child));
  const ready = new Promise<void>((resolve) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    child.once('exit', () => resolve());
  });
  await Promise.race([ready, sleep(15_000)]);
  await sleep(Math.random() * 1200);
  await kill9(child);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
