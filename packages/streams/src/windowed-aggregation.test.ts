import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Broker, ManualClock, type Stream, type StreamRecord } from '@switchyard/core';
import { SqliteEngine } from '@switchyard/sqlite';
import { count } from './aggregations.js';
import type { WindowResultBody } from './windowed-aggregation.js';
import { WindowedAggregation } from './windowed-aggregation.js';
import { tumbling } from './windows.js';

async function setUp(partitions = 2): Promise<{ broker: Broker; clock: ManualClock; input: Stream; output: Stream }> {
  const clock = new ManualClock();
  const broker = new Broker(new SqliteEngine({ clock }), { clock });
  const input = await broker.createStream('clicks', { partitions });
  const output = await broker.createStream('clicks-per-minute', { partitions: 1 });
  return { broker, clock, input, output };
}

async function readAll(s: Stream): Promise<StreamRecord[]> {
  const out: StreamRecord[] = [];
  for (const p of await s.offsets()) {
    for (let offset = p.start; ; ) {
      const page = await s.read({ partition: p.partition, offset, max: 1000 });
      if (page.length === 0) break;
      out.push(...page);
      offset = (page.at(-1) as StreamRecord).offset + 1;
    }
  }
  return out;
}

/** Results as "key@start=count" strings, sorted, for comparing runs. */
const summary = (records: StreamRecord[]) => records.map((r) => r.body as unknown as WindowResultBody<number>).map((b) => `${b.key}@${b.start}=${b.value}`).sort();

/** Clicks for users u0..u5 over `minutes` minutes; returns the expected count per user and minute. */
async function clicks(input: Stream, minutes: number): Promise<Map<string, number>> {
  const expected = new Map<string, number>();
  const batch = [];
  for (let m = 0; m < minutes; m++) {
    for (let i = 0; i < 12; i++) {
      const user = `u${(m * 7 + i * 5) % 6}`;
      const t = m * 60_000 + i * 4_000;
      batch.push({ key: user, body: { page: i }, timestamp: t });
      expected.set(`${user}@${m * 60_000}`, (expected.get(`${user}@${m * 60_000}`) ?? 0) + 1);
    }
  }
  await input.appendBatch(batch);
  return expected;
}

function agg(input: Stream, extra: Partial<ConstructorParameters<typeof WindowedAggregation>[1]> = {}) {
  return new WindowedAggregation(input, { group: 'per-minute', window: tumbling(60_000), aggregate: count(), emit: { stream: 'clicks-per-minute' }, ...extra });
}

describe('windowed aggregation on an engine', () => {
  it('counts per key per window and emits each closed window once, with stable ids', async () => {
    const { broker, input, output } = await setUp(1);
    const expected = await clicks(input, 3);
    const a = agg(input, { maxBatch: 7 });
    while ((await a.step()).records > 0);
    const got = await readAll(output);
    // The last minute has not closed (nothing later was seen), so it is not emitted yet.
    const closed = [...expected].filter(([k]) => !k.endsWith(`@${2 * 60_000}`)).map(([k, v]) => `${k}=${v}`).sort();
    assert.deepEqual(summary(got), closed);
    assert.equal(new Set(got.map((r) => r.id)).size, got.length);
    assert.ok(got.every((r) => r.type === 'window.result' && r.id.startsWith('w-0-')));
    await a.close();
    await broker.close();
  });

  it('hands partitions over between members without losing or repeating a window', async () => {
    const { broker, input, output, clock } = await setUp(2);
    const expected = await clicks(input, 6);
    // Watermarks are per partition: a later record in each closes every window before it.
    await input.appendBatch([0, 1].map((partition) => ({ key: 'end', partition, body: {}, timestamp: 3_600_000 })));
    const a = agg(input, { maxBatch: 5, consumer: { strategy: 'range', memberId: 'a', sessionTimeoutMs: 3_000 } });
    const b = agg(input, { maxBatch: 5, consumer: { strategy: 'range', memberId: 'b', sessionTimeoutMs: 3_000 } });
    await a.step();
    await a.step();
    await b.step(); // b joins and takes partition 1 from a, whose next commit is refused
    let rewound = 0;
    let bOpen = true;
    for (let i = 0; i < 200; i++) {
      const ra = await a.step();
      const rb = bOpen ? await b.step() : { records: 0 };
      if (ra.rewound) rewound++;
      if (i === 20) {
        await b.close(); // and back to a
        bOpen = false;
      }
      if (ra.records + rb.records === 0 && i > 30) break;
      await clock.advance(1_000);
    }
    assert.ok(rewound >= 1, 'a had to rewind at least once');
    assert.deepEqual(summary(await readAll(output)), [...expected].map(([k, v]) => `${k}=${v}`).sort());
    await a.close();
    await broker.close();
  });

  it('sends records too late for any window to a side output, and updates within the allowed lateness', async () => {
    const { broker, input, output } = await setUp(1);
    await broker.createStream('late-clicks');
    await input.appendBatch([
      { key: 'u', body: 1, timestamp: 10_000 },
      { key: 'u', body: 2, timestamp: 65_000 },
      { key: 'u', body: 3, timestamp: 20_000 }, // window [0, 60 s) fired at 65 s: a revision
      { key: 'u', body: 4, timestamp: 200_000 },
      { key: 'u', body: 5, timestamp: 30_000 }, // past 60 s + 30 s of lateness: late
    ]);
    const a = agg(input, { allowedLatenessMs: 30_000, late: { stream: 'late-clicks' } });
    const step = await a.step();
    assert.deepEqual([step.records, step.results, step.late], [5, 3, 1]);
    const results = (await readAll(output)).map((r) => r.body as unknown as WindowResultBody<number>);
    assert.deepEqual(results.map((b) => [b.start, b.value, b.revision]), [[0, 1, 0], [0, 2, 1], [60_000, 1, 0]]);
    const late = await readAll(broker.stream('late-clicks'));
    assert.deepEqual(late.map((r) => [r.body, r.headers['late-source']]), [[5, 'clicks/0/4']]);
    await a.close();
    await broker.close();
  });

  it('can emit to a topic, filtered', async () => {
    const { broker, input } = await setUp(1);
    const alerts = await broker.createQueue('alerts');
    await (await broker.createTopic('busy-users')).subscribe('alerts');
    await input.appendBatch([...Array.from({ length: 6 }, () => ({ key: 'busy', body: 1, timestamp: 1_000 })), { key: 'idle', body: 1, timestamp: 2_000 }, { key: 'x', body: 1, timestamp: 70_000 }]);
    const a = agg(input, { emit: { topic: 'busy-users' }, emitWhen: (r) => (r.value as number) > 5 });
    await a.step();
    const got = await alerts.receive({ max: 10 });
    assert.deepEqual(got.map((d) => [(d.body as { key: string }).key, (d.body as { value: number }).value]), [['busy', 6]]);
    await a.close();
    await broker.close();
  });

  it('refuses options it cannot honour', async () => {
    const { broker, input } = await setUp(1);
    assert.throws(() => agg(input, { window: { kind: 'session', gapMs: 10 }, aggregate: { init: () => 0, add: (n: number) => n + 1 } }), { code: 'INVALID_ARGUMENT', message: /merge/ });
    assert.throws(() => agg(input, { emit: { queue: 'x' } as never }), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => agg(input, { maxOutOfOrderMs: -1 }), { code: 'INVALID_ARGUMENT' });
    await broker.close();
  });
});
