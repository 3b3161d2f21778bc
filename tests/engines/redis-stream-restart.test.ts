import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Broker, type AppendResult } from '@switchyard/core';
import { openRedisEngine } from '@switchyard/redis';
import { redisAvailable, redisSkipReason } from '../support/redis.js';
import { startRestartableRedis } from './restartable.js';

/**
 * Four producers append while the server is killed (SIGKILL) and started again on its AOF
 * (`appendonly yes`, `appendfsync always`). Afterwards every append that resolved is stored at
 * the offset it was given, offsets are still dense, and what a group committed before the crash
 * (offsets and keyed state) is still there. An append in flight at the crash may be stored
 * twice (ioredis resends it after reconnecting): at-least-once, as the contract allows.
 */
test('redis: appended records and committed offsets and state survive a server crash and restart', { timeout: 120_000 }, async (t) => {
  if (!redisAvailable()) return t.skip(redisSkipReason);
  const server = await startRestartableRedis();
  try {
    const broker = new Broker(await openRedisEngine({ url: server.url, prefix: 'stream-restart' }));
    try {
      const s = await broker.createStream('log', { partitions: 3 });
      await s.appendBatch(Array.from({ length: 6 }, (_, i) => ({ id: `first-${i}`, body: i, partition: i % 3 })));
      const c = s.consumer('g', { start: 'earliest', memberId: 'worker-1' });
      await c.poll({ max: 4 });
      await c.commit({ state: [{ partition: 0, key: 'sum', value: new Uint8Array([42]) }] });
      const committed = (await s.committed('g')).map(({ partition, offset }) => [partition, offset]);

      const total = 900;
      const resolved: { id: string; result: AppendResult }[] = [];
      let failed = 0;
      let beforeRestart = 0;
      let restarting: Promise<void> | undefined;
      let next = 0;
      const producer = async () => {
        while (next < total) {
          const i = next++;
          if (i === total / 3) {
            beforeRestart = resolved.length;
            restarting = server.restart();
          }
          const id = `r-${i}`;
          try {
            resolved.push({ id, result: await s.append({ id, body: { i }, key: `k-${i % 17}` }) });
          } catch {
            failed++;
            await new Promise((r) => setTimeout(r, 20));
          }
        }
      };
      await Promise.all(Array.from({ length: 4 }, producer));
      await restarting;

      const stored = new Map<string, string>();
      for (const { partition, start, end } of await s.offsets()) {
        assert.equal(start, 0);
        for (let offset = 0; offset < end; ) {
          const page = await s.read({ partition, offset, max: 500 });
          page.forEach((r, i) => assert.equal(r.offset, offset + i, 'offsets are dense'));
          for (const r of page) stored.set(`${partition}:${r.offset}`, r.id);
          offset += page.length;
        }
      }
      const lost = resolved.filter(({ id, result }) => stored.get(`${result.partition}:${result.offset}`) !== id);
      assert.deepEqual(lost.map((l) => l.id), [], 'resolved appends are missing from their offsets');
      assert.ok(beforeRestart > 0 && resolved.length > beforeRestart, `appends resolved before (${beforeRestart}) and after the restart (${resolved.length - beforeRestart})`);
      assert.deepEqual((await s.committed('g')).map(({ partition, offset }) => [partition, offset]), committed);
      assert.deepEqual([...((await c.loadState(0))[0]?.value ?? [])], [42]);
      t.diagnostic(`resolved appends: ${beforeRestart} before, ${resolved.length - beforeRestart} after the restart; ${failed} rejected during the outage; ${stored.size - 6} stored`);
      await c.close();
    } finally {
      await broker.close();
    }
  } finally {
    await server.stop();
  }
});
