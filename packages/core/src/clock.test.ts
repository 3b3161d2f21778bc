import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, sleep } from './clock.js';

describe('ManualClock', () => {
  it('fires timers in time order as time advances, reading each due time', async () => {
    const clock = new ManualClock(1000);
    const fired: [string, number][] = [];
    clock.setTimer(() => fired.push(['b', clock.now()]), 200);
    clock.setTimer(() => fired.push(['a', clock.now()]), 100);
    const c = clock.setTimer(() => fired.push(['c', clock.now()]), 150);
    c.cancel();
    await clock.advance(150);
    assert.deepEqual(fired, [['a', 1100]]);
    await clock.advance(100);
    assert.deepEqual(fired, [['a', 1100], ['b', 1200]]);
    assert.equal(clock.now(), 1250);
    assert.equal(clock.pendingTimers, 0);
  });

  it('fires timers that timers set, when they fall inside the advance', async () => {
    const clock = new ManualClock(0);
    const at: number[] = [];
    const tick = () => {
      at.push(clock.now());
      if (at.length < 3) clock.setTimer(tick, 10);
    };
    clock.setTimer(tick, 10);
    await clock.advance(100);
    assert.deepEqual(at, [10, 20, 30]);
  });

  it('sleep resolves on the clock and rejects when aborted', async () => {
    const clock = new ManualClock(0);
    let done = false;
    const p = sleep(clock, 50).then(() => (done = true));
    await clock.advance(49);
    assert.equal(done, false);
    await clock.advance(1);
    await p;
    assert.equal(done, true);
    const ac = new AbortController();
    const aborted = sleep(clock, 50, ac.signal);
    ac.abort(new Error('stop'));
    await assert.rejects(aborted, /stop/);
    assert.equal(clock.pendingTimers, 0);
  });
});
