import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import { Broker, ErrorCode, ManualClock, type QueueStats } from '@switchyard/core';
import { tempFiles } from '../../../tests/support/temp-files.js';
import { SqliteEngine } from './index.js';
import { slowCountMs, StatsThread } from './stats-thread.js';

const { dir, file } = tempFiles('stats');

describe('the stats thread', () => {
  it('counts every state as the event loop does, and drops expired messages first', async () => {
    const path = file();
    const clock = new ManualClock(Date.UTC(2026, 10, 23));
    const engine = new SqliteEngine({ path, clock, statsThread: 'always', sweepIntervalMs: 3_600_000 });
    const broker = new Broker(engine);
    const dlq = await broker.createQueue('jobs-dlq');
    const q = await broker.createQueue('jobs', { deadLetter: { queue: 'jobs-dlq', maxReceives: 1 }, retentionMs: 60_000 });
    const fifo = await broker.createQueue('orders.fifo', { fifo: true });
    await q.sendBatch(Array.from({ length: 30 }, (_, i) => ({ body: `m${i}` })));
    await q.send({ body: 'later', delayMs: 5_000 });
    const [poison] = await q.receive({ max: 1 });
    await q.deadLetter(poison!);
    await q.receive({ max: 4 });
    await fifo.sendBatch([{ body: 1, key: 'a' }, { body: 2, key: 'a' }, { body: 3, key: 'b' }]);
    await fifo.receive({ max: 1 });

    // The same file counted on the event loop by a second engine.
    const onLoop = new SqliteEngine({ path, clock, statsThread: 'never', sweepIntervalMs: 3_600_000 });
    const loopStats = (name: string) => onLoop.queues.stats(name);
    const expected: QueueStats = { ready: 25, leased: 4, delayed: 1, blocked: 0, oldestAgeMs: 0, deadLettered: 1, expired: 0 };
    assert.deepEqual(await q.stats(), expected);
    assert.deepEqual(await q.stats(), await loopStats('jobs'));
    assert.deepEqual(await fifo.stats(), await loopStats('orders.fifo'));
    assert.equal((await fifo.stats()).blocked, 1);
    assert.equal((await dlq.stats()).ready, 1);
    assert.equal(engine.statsThread.state, 'running');
    assert.ok(engine.statsThread.counts >= 5, `counted ${engine.statsThread.counts} times on the thread`);
    assert.equal(onLoop.statsThread.state, 'off');

    // Past retention: the thread's count finds them expired; stats drops them and counts again.
    await clock.advance(61_000);
    const late = await q.stats();
    assert.deepEqual(late, { ready: 0, leased: 0, delayed: 0, blocked: 0, oldestAgeMs: 0, deadLettered: 1, expired: 30 });
    assert.deepEqual(await loopStats('jobs'), late);

    await assert.rejects(q.stats.call(broker.queue('nope')), (e: { code?: string }) => e.code === ErrorCode.QueueNotFound);
    await onLoop.close();
    await broker.close();
    assert.notEqual(engine.statsThread.state, 'failed', 'closing is not a failure');
  });

  it('leaves the event loop free while it counts a deep queue', async () => {
    const body = 'x'.repeat(1024);
    const batch = Array.from({ length: 1000 }, () => ({ body }));
    const measure = async (statsThread: 'always' | 'never') => {
      const engine = new SqliteEngine({ path: file(), statsThread });
      const broker = new Broker(engine);
      const q = await broker.createQueue('deep');
      for (let i = 0; i < 60; i++) await q.sendBatch(batch);
      await q.stats(); // the thread's start-up, unmeasured
      const elu0 = performance.eventLoopUtilization();
      const stats = await q.stats();
      const elu = performance.eventLoopUtilization(elu0);
      await broker.close();
      assert.equal(stats.ready, 60_000);
      return elu;
    };
    const onLoop = await measure('never');
    const onThread = await measure('always');
    // On the loop the count is the loop's own work; on the thread the loop mostly waits for it.
    assert.ok(onLoop.utilization > 0.8, `on the loop: utilization ${onLoop.utilization.toFixed(2)} over ${onLoop.active.toFixed(1)} ms`);
    assert.ok(onThread.utilization < 0.5, `on the thread: utilization ${onThread.utilization.toFixed(2)}, ${onThread.active.toFixed(1)} of ${(onThread.active + onThread.idle).toFixed(1)} ms`);
  });

  it('in auto mode starts after a count on the event loop that took long enough', () => {
    const thread = new StatsThread({ path: file(), busyTimeoutMs: 100 }, 'auto');
    assert.equal(thread.engaged, false);
    thread.noteCountOnLoop(slowCountMs - 1);
    assert.equal(thread.engaged, false);
    assert.equal(thread.state.state, 'waiting');
    thread.noteCountOnLoop(slowCountMs);
    assert.equal(thread.engaged, true);
    const never = new StatsThread({ path: file(), busyTimeoutMs: 100 }, 'never');
    never.noteCountOnLoop(10_000);
    assert.equal(never.engaged, false);
    assert.equal(never.state.state, 'off');
  });

  it('fails over to the event loop when the thread cannot count', async () => {
    const thread = new StatsThread({ path: join(dir, 'missing', 'x.db'), busyTimeoutMs: 100 }, 'always');
    await assert.rejects(thread.count(1, 0));
    assert.equal(thread.state.state, 'failed');
    assert.match(thread.state.error ?? '', /exited|unable to open|directory does not exist|SQLITE_CANTOPEN/i);
    assert.equal(thread.engaged, false, 'later counts stay on the event loop');
    await thread.close();
  });

  it('refuses an unknown mode', () => {
    assert.throws(() => new SqliteEngine({ statsThread: 'sometimes' as 'auto' }), (e: { code?: string }) => e.code === ErrorCode.InvalidArgument);
  });
});

describe('the stats thread at close', () => {
  it('starts no thread for a count asked for after the engine closed', async () => {
    const thread = new StatsThread({ path: file(), busyTimeoutMs: 100 }, 'always');
    await thread.close();
    await assert.rejects(thread.count(1, 0), /closed/);
    assert.equal(thread.state.state, 'waiting');
    assert.equal(thread.engaged, false);
  });
});
