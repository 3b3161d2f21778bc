import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StateChange, StateEntry } from '@switchyard/core';
import { count, sum, type Aggregation } from './aggregations.js';
import { PartitionWindows, type Settings, type WindowResult } from './partition-windows.js';
import { hopping, session, sliding, tumbling, type WindowSpec } from './windows.js';

const settings = (window: WindowSpec, extra: Partial<Settings> = {}): Settings => ({
  window,
  agg: count() as Aggregation<unknown, unknown, unknown>,
  maxOutOfOrderMs: 0,
  allowedLatenessMs: 0,
  ...extra,
});

/** Feeds [key, t] records (value 1) and returns results as compact tuples. */
function feed(w: PartitionWindows, records: [string, number][]): { late: number; results: [string, number, number, unknown, number][] } {
  let late = 0;
  const results: [string, number, number, unknown, number][] = [];
  for (const [key, t] of records) {
    const out = w.process(key, t, 1);
    if (out.late) late++;
    for (const r of out.results) results.push([r.key, r.start, r.end, r.value, r.revision]);
  }
  return { late, results };
}

describe('tumbling windows', () => {
  it('fire once the watermark reaches their end, with every record of the window', () => {
    const w = new PartitionWindows(settings(tumbling(60)));
    assert.deepEqual(feed(w, [['a', 0], ['a', 10], ['b', 59], ['a', 59]]).results, []);
    assert.deepEqual(feed(w, [['b', 60]]).results, [
      ['a', 0, 60, 3, 0],
      ['b', 0, 60, 1, 0],
    ]);
    assert.deepEqual(feed(w, [['a', 250]]).results, [['b', 60, 120, 1, 0]]);
  });

  it('wait maxOutOfOrderMs for stragglers, and count a record behind the watermark as late', () => {
    const w = new PartitionWindows(settings(tumbling(60), { maxOutOfOrderMs: 30 }));
    assert.deepEqual(feed(w, [['a', 50], ['a', 70], ['a', 55], ['a', 89]]).results, [], 'the watermark is 59: window [0, 60) still open');
    assert.deepEqual(feed(w, [['a', 90]]).results, [['a', 0, 60, 2, 0]]);
    assert.deepEqual(feed(w, [['a', 20]]), { late: 1, results: [] });
  });

  it('with allowed lateness, a late record revises a fired window until end + lateness', () => {
    const w = new PartitionWindows(settings(tumbling(60), { allowedLatenessMs: 100 }));
    assert.deepEqual(feed(w, [['a', 10], ['a', 60]]).results, [['a', 0, 60, 1, 0]]);
    assert.deepEqual(feed(w, [['a', 20]]).results, [['a', 0, 60, 2, 1]]);
    assert.deepEqual(feed(w, [['a', 159], ['a', 30]]).results, [['a', 60, 120, 1, 0], ['a', 0, 60, 3, 2]]);
    assert.deepEqual(feed(w, [['a', 160], ['a', 40]]), { late: 1, results: [] }, 'at watermark 160 the window [0, 60) is closed for good');
  });
});

describe('hopping windows', () => {
  it('count a record in each overlapping window (a moving total)', () => {
    const w = new PartitionWindows(settings(hopping({ sizeMs: 30, advanceMs: 10 }), { agg: sum((v: number) => v) as Aggregation<unknown, unknown, unknown> }));
    const fired: [number, number, unknown][] = [];
    for (const t of [5, 15, 25, 100]) for (const r of w.process('k', t, t).results) fired.push([r.start, r.end, r.value]);
    assert.deepEqual(fired, [
      [-20, 10, 5],
      [-10, 20, 20],
      [0, 30, 45],
      [10, 40, 40],
      [20, 50, 25],
    ]);
  });
});

describe('sliding windows', () => {
  it('give, for each record, the count of the sizeMs before it (both ends included)', () => {
    const w = new PartitionWindows(settings(sliding(60)));
    const r = feed(w, [['a', 0], ['a', 30], ['a', 60], ['a', 61], ['a', 200]]).results;
    assert.deepEqual(r, [
      ['a', -60, 1, 1, 0],
      ['a', -30, 31, 2, 0],
      ['a', 0, 61, 3, 0],
      ['a', 1, 62, 3, 0],
    ]);
  });

  it('find the densest stretch: more than 5 in any 60 is seen whatever the alignment', () => {
    const w = new PartitionWindows(settings(sliding(60)));
    const burst = [55, 70, 80, 90, 100, 114].map((t) => ['svc', t] as [string, number]);
    const counts = feed(w, [...burst, ['svc', 1000]]).results.map(([, , , value]) => value as number);
    assert.equal(Math.max(...counts), 6, 'a tumbling minute would split this burst 1 + 5');
  });

  it('revise windows after them that a late record falls in, within the allowed lateness', () => {
    const w = new PartitionWindows(settings(sliding(60), { allowedLatenessMs: 70 }));
    assert.deepEqual(feed(w, [['a', 10], ['a', 50], ['a', 100]]).results, [
      ['a', -50, 11, 1, 0],
      ['a', -10, 51, 2, 0],
    ]);
    assert.deepEqual(feed(w, [['a', 40]]).results, [
      ['a', -20, 41, 2, 0],
      ['a', -10, 51, 3, 1],
    ]);
    assert.deepEqual(feed(w, [['a', 101]]).results, [['a', 40, 101, 3, 0]], 'the window ending at 100 was not out yet: it fires once, with the late record');
    assert.deepEqual(feed(w, [['a', 30]]), { late: 1, results: [] }, 'its own window closed for good at 31 + 70');
  });
});

describe('session windows', () => {
  it('split on a gap, merge records closer than it, and close gapMs after the last record', () => {
    const w = new PartitionWindows(settings(session(30)));
    const r = feed(w, [['u', 0], ['u', 20], ['u', 45], ['u', 75], ['v', 76], ['u', 200]]).results;
    assert.deepEqual(r, [
      ['u', 0, 75, 3, 0],
      ['u', 75, 105, 1, 0],
      ['v', 76, 106, 1, 0],
    ]);
  });

  it('merge two sessions that a late record bridges', () => {
    const w = new PartitionWindows(settings(session(30), { maxOutOfOrderMs: 100 }));
    assert.deepEqual(feed(w, [['u', 0], ['u', 50], ['u', 25], ['u', 500]]).results, [['u', 0, 80, 3, 0]]);
  });
});

/** A small deterministic PRNG (mulberry32), so the property test is reproducible. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Applies checkpoint changes to a stored state, as the engine would. */
function apply(store: Map<string, Uint8Array>, changes: StateChange[]): void {
  for (const c of changes) {
    if (c.value === null) store.delete(c.key);
    else store.set(c.key, c.value);
  }
}

describe('checkpoint and restore', () => {
  const kinds: [string, WindowSpec][] = [
    ['tumbling', tumbling(50)],
    ['hopping', hopping({ sizeMs: 60, advanceMs: 20 })],
    ['sliding', sliding(40)],
    ['session', session(25)],
  ];
  for (const [name, spec] of kinds) {
    it(`${name}: crashing at random and resuming from the last checkpoint gives exactly the uninterrupted results`, () => {
      const rand = prng(name.length * 7919);
      const s = settings(spec, { maxOutOfOrderMs: 30, allowedLatenessMs: 20 });
      const records: [string, number][] = [];
      for (let i = 0, t = 0; i < 3000; i++) {
        t += Math.floor(rand() * 8);
        records.push([`k${Math.floor(rand() * 7)}`, Math.max(0, t - Math.floor(rand() * 150))]);
      }
      const expected: WindowResult[] = [];
      const straight = new PartitionWindows(s);
      let lateExpected = 0;
      for (const [k, t] of records) {
        const out = straight.process(k, t, 1);
        if (out.late) lateExpected++;
        expected.push(...out.results);
      }
      assert.ok(lateExpected > 0 && expected.length > 100, `the data exercises late records (${lateExpected}) and many windows (${expected.length})`);

      const store = new Map<string, Uint8Array>();
      const got: WindowResult[] = [];
      let committed = 0;
      let w = new PartitionWindows(s);
      let pending: WindowResult[] = [];
      let i = 0;
      let crashes = 0;
      while (committed < records.length) {
        if (i < records.length && rand() < 0.9) {
          const [k, t] = records[i++] as [string, number];
          pending.push(...w.process(k, t, 1).results);
        } else if (rand() < 0.5) {
          // Commit: state and results together.
          apply(store, w.checkpoint(0));
          got.push(...pending);
          pending = [];
          committed = i;
        } else {
          // Crash: everything since the last commit is lost; a new owner restores the checkpoint.
          crashes++;
          const entries: StateEntry[] = [...store].map(([key, value]) => ({ key, value }));
          w = new PartitionWindows(s, entries);
          pending = [];
          i = committed;
        }
      }
      assert.ok(crashes > 20, `only ${crashes} crashes`);
      assert.deepEqual(got, expected);
    });
  }
});
