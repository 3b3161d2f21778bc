import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Broker, ManualClock } from '@switchyard/core';
import { SqliteEngine } from '@switchyard/sqlite';
import { runClickstream } from './clickstream.js';

describe('the clickstream example', () => {
  it('gives the four answers the README shows', async () => {
    const clock = new ManualClock();
    await using broker = new Broker(new SqliteEngine({ clock }), { clock });
    const r = await runClickstream(broker);
    assert.deepEqual(r.clicksPerMinute, ['alice 00:00 3', 'bob 00:00 1', 'alice 01:00 2', 'carol 02:00 1', 'carol 07:00 1', 'carol 12:00 1', 'carol 50:00 1']);
    assert.equal(r.movingAverage.length, 24, 'one result a minute for every window a load fell in');
    assert.equal(r.movingAverage[9], '/home 00:00-10:00 avg 145 ms');
    assert.equal(r.movingAverage[10], '/home 01:00-11:00 avg 155 ms');
    assert.deepEqual(r.alerts, ['mallory 6 failures in 09:49..10:49'], 'dave (5 in 60 s) and erin (6 in 150 s) raise none');
    assert.deepEqual(r.sessions, ['bob 00:30-00:30 1 clicks', 'alice 00:05-01:40 5 clicks', 'carol 02:00-12:00 3 clicks', 'carol 50:00-50:00 1 clicks']);
  });
});
