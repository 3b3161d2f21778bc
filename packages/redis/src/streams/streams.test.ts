import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Broker } from '@switchyard/core';
import { Redis } from 'ioredis';
import { SettledClock } from '../../../../tests/engines/settled-clock.js';
import { onPrivateServer } from '../../../../tests/support/private-server.js';
import { redisKind } from '../../../../tests/support/redis.js';
import { openRedisEngine } from '../index.js';

/** What the conformance suite cannot see: several engines on one server, the sweep, the key layout. */
onPrivateServer('redis streams', redisKind, (server) => {
  let n = 0;
  const url = () => server().url;
  const prefix = () => `streams-${process.pid}-${n++}`;

  void describe('redis streams', () => {
    it('applies retention on its own sweep, on the injected clock', async () => {
      const clock = new SettledClock();
      const engine = await openRedisEngine({ url: url(), prefix: prefix(), clock, sweepIntervalMs: 1_000 });
      clock.engine = engine;
      await using broker = new Broker(engine, { clock });
      const s = await broker.createStream('short', { retention: { maxAgeMs: 60_000 } });
      await s.appendBatch([{ body: 1 }, { body: 2 }]);
      await clock.advance(59_000);
      assert.equal((await s.stats()).removedByAge, 0);
      // One sweep interval at a time: the sweep re-arms its timer only once its pass has finished
      // on the server, so a single larger jump could pass the next due time before it is set.
      for (let i = 0; i < 3; i++) await clock.advance(1_000);
      // Nobody called trim: the engine's sweep removed and counted them.
      const stats = await s.stats();
      assert.equal(stats.removedByAge, 2);
      assert.equal(stats.partitions[0]?.start, 2);
    });

    it('finds a timestamp after retention removed the record that set the running maximum', async () => {
      await using broker = new Broker(await openRedisEngine({ url: url(), prefix: prefix() }));
      const s = await broker.createStream('ts', { retention: { maxAgeMs: null, maxBytes: 1024 } });
      const body = 'x'.repeat(400);
      await s.appendBatch([900, 100, 50, 300].map((timestamp) => ({ body, timestamp })));
      assert.equal((await s.trim()).removedBySize, 2);
      // The running maximum at offsets 2 and 3 is still 900, from the removed offset 0: the
      // search lands on offset 2 for any timestamp, and must look past it.
      assert.equal(await s.offsetForTimestamp(0, 40), 2);
      assert.equal(await s.offsetForTimestamp(0, 150), 3);
      assert.equal(await s.offsetForTimestamp(0, 300), 3);
      assert.equal(await s.offsetForTimestamp(0, 301), null);
    });

    it('keeps appendedAt from going backwards when engines\u2019 clocks disagree', async () => {
      const p = prefix();
      const ahead = new SettledClock(Date.UTC(2026, 0, 1, 0, 0, 5));
      const behind = new SettledClock(Date.UTC(2026, 0, 1));
      await using a = new Broker(await openRedisEngine({ url: url(), prefix: p, clock: ahead }), { clock: ahead });
      await using b = new Broker(await openRedisEngine({ url: url(), prefix: p, clock: behind }), { clock: behind });
      const s = await a.createStream('skew');
      await s.append({ body: 1 });
      await b.stream('skew').append({ body: 2 });
      const records = await s.read({ partition: 0, offset: 0 });
      assert.deepEqual(
        records.map((r) => r.appendedAt),
        [ahead.now(), ahead.now()],
      );
    });

    it('deleting a stream removes every key it had: logs, groups, offsets and state', async () => {
      const p = prefix();
      await using broker = new Broker(await openRedisEngine({ url: url(), prefix: p }));
      const s = await broker.createStream('gone', { partitions: 3 });
      await s.appendBatch([{ body: 1, partition: 0 }, { body: 2, partition: 2 }]);
      const c = s.consumer('g', { start: 'earliest' });
      await c.poll({ max: 10 });
      await c.commit({ state: [{ partition: 2, key: 'k', value: new Uint8Array([1]) }] });
      await c.close();
      const redis = new Redis(url());
      try {
        const keys = () => redis.keys(`{${p}}:s:*`);
        assert.ok((await keys()).length > 5);
        assert.equal(await broker.deleteStream('gone'), true);
        assert.deepEqual(await keys(), []);
        assert.equal(await redis.hexists(`{${p}}:streams`, 'gone'), 0);
      } finally {
        redis.disconnect();
      }
    });
  });
});
