import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BodyKind, Broker, ErrorCode, ManualClock } from '@switchyard/core';
import { SettledClock } from '../../../../tests/engines/settled-clock.js';
import { onPrivateServer } from '../../../../tests/support/private-server.js';
import { natsKind, startNats } from '../../../../tests/support/nats.js';
import { expectCode } from '@switchyard/testkit';
import { openNatsEngine } from '../index.js';

/**
 * What the conformance suite cannot see: several engines on one server racing on a partition,
 * wake-ups across connections, retried appends, the sweep, the refused outputs, and a restart.
 */
onPrivateServer('nats streams', natsKind, (server) => {
  let n = 0;
  const servers = () => server().url;
  const prefix = () => `st${process.pid}x${n++}`;

  void describe('nats streams', () => {
    it('keeps offsets dense and byte counts exact while two engines append to one partition', async () => {
      const p = prefix();
      await using a = new Broker(await openNatsEngine({ servers: servers(), prefix: p }));
      await using b = new Broker(await openNatsEngine({ servers: servers(), prefix: p }));
      const sa = await a.createStream('race');
      const sb = b.stream('race');
      const body = (i: number) => 'x'.repeat(10 + (i % 7));
      const batches = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? sa : sb).appendBatch(Array.from({ length: 5 }, (_, k) => ({ body: body(i * 5 + k) }))));
      const offsets = (await Promise.all(batches)).flat().map((r) => r.offset);
      assert.deepEqual([...offsets].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i), 'every offset once, none skipped');
      const [range] = await sa.offsets();
      let expected = 0;
      for (let i = 0; i < 100; i++) expected += body(i).length;
      assert.deepEqual(range, { partition: 0, start: 0, end: 100, bytes: expected });
    });

    it('stores a retried append once, at its first offsets', async () => {
      const engine = await openNatsEngine({ servers: servers(), prefix: prefix() });
      await using broker = new Broker(engine);
      const s = await broker.createStream('retry');
      const entries = [1, 2, 3].map((i) => ({ id: `r-${i}`, type: 't', body: { kind: BodyKind.bytes, data: new Uint8Array([i]) }, headers: {}, timestamp: i, partition: 0 }));
      const first = await engine.streams.append(s.name, entries);
      const again = await engine.streams.append(s.name, [...entries, { ...(entries[0] as (typeof entries)[0]), id: 'r-4' }]);
      assert.deepEqual(first.map((r) => r.offset), [0, 1, 2]);
      assert.deepEqual(again.map((r) => r.offset), [0, 1, 2, 3], 'the three already stored keep their offsets; the new one follows');
      assert.deepEqual((await s.offsets()).map((o) => [o.start, o.end, o.bytes]), [[0, 4, 4]]);
    });

    it('refuses a commit with outputs (UNSUPPORTED) and stores none of it', async () => {
      await using broker = new Broker(await openNatsEngine({ servers: servers(), prefix: prefix() }));
      const input = await broker.createStream('in');
      const output = await broker.createStream('out');
      await input.append({ body: 'x' });
      const c = input.consumer('g', { start: 'earliest' });
      await c.poll();
      await expectCode(c.commit({ state: [{ partition: 0, key: 'k', value: new Uint8Array([1]) }], appends: [{ stream: output.name, messages: [{ body: 'y' }] }] }), ErrorCode.Unsupported);
      assert.deepEqual(await input.committed('g'), []);
      assert.deepEqual(await c.loadState(0), []);
      assert.deepEqual((await output.offsets()).map((o) => o.end), [0]);
      await c.commit({ state: [{ partition: 0, key: 'k', value: new Uint8Array([1]) }] });
      assert.deepEqual((await input.committed('g')).map((x) => x.offset), [1], 'offsets and state alone commit');
      await c.close();
    });

    it('refuses state that would not fit in one KV value, storing nothing', async () => {
      await using broker = new Broker(await openNatsEngine({ servers: servers(), prefix: prefix() }));
      const s = await broker.createStream('big-state');
      await s.append({ body: 'x' });
      const c = s.consumer('g', { start: 'earliest' });
      await c.poll();
      const value = new Uint8Array(400 * 1024);
      const state = ['a', 'b', 'c'].map((key) => ({ partition: 0, key, value }));
      await expectCode(c.commit({ state }), ErrorCode.InvalidArgument);
      assert.deepEqual(await c.loadState(0), []);
      assert.deepEqual(await s.committed('g'), []);
      await c.close();
    });

    it('carries on with dense offsets after retention removed every record', async () => {
      const clock = new ManualClock();
      // trim() is what this test calls; the engine's own sweep (every 30 s by default) must not
      // get there first while the clock jumps.
      const engine = await openNatsEngine({ servers: servers(), prefix: prefix(), clock, streamSweepIntervalMs: 3_600_000 });
      await using broker = new Broker(engine, { clock });
      const s = await broker.createStream('emptied', { retention: { maxAgeMs: 60_000 } });
      await s.appendBatch([{ body: 'aa' }, { body: 'bbb', timestamp: 5_000_000_000_000 }]);
      await clock.advance(61_000);
      assert.equal((await s.trim()).removedByAge, 2);
      assert.deepEqual((await s.offsets()).map((o) => [o.start, o.end, o.bytes]), [[2, 2, 0]]);
      assert.equal((await s.append({ body: 'c', timestamp: 10 })).offset, 2);
      assert.deepEqual((await s.offsets()).map((o) => [o.start, o.end, o.bytes]), [[2, 3, 1]]);
      assert.equal(await s.offsetForTimestamp(0, 5), 2, 'running values restart with the emptied log');
    });

    it('applies retention on its own sweep, on the injected clock', async () => {
      const clock = new SettledClock();
      const engine = await openNatsEngine({ servers: servers(), prefix: prefix(), clock, streamSweepIntervalMs: 1_000 });
      clock.engine = engine;
      await using broker = new Broker(engine, { clock });
      const s = await broker.createStream('short', { retention: { maxAgeMs: 60_000 } });
      await s.appendBatch([{ body: 1 }, { body: 2 }]);
      await clock.advance(59_000);
      assert.equal((await s.stats()).removedByAge, 0);
      await clock.advance(2_000);
      // Nobody called trim: the engine's sweep removed and counted them.
      const stats = await s.stats();
      assert.equal(stats.removedByAge, 2);
      assert.equal(stats.partitions[0]?.start, 2);
    });

    it('answers STREAM_NOT_FOUND in one engine after another deleted the stream, and a new one under the name starts empty', async () => {
      const p = prefix();
      await using a = new Broker(await openNatsEngine({ servers: servers(), prefix: p }));
      await using b = new Broker(await openNatsEngine({ servers: servers(), prefix: p }));
      const s = await a.createStream('gone');
      await s.append({ body: 1 });
      const c = s.consumer('g', { start: 'earliest' });
      await c.poll();
      await c.commit();
      await b.deleteStream('gone');
      await expectCode(() => s.append({ body: 2 }), ErrorCode.StreamNotFound);
      const again = await b.createStream('gone');
      assert.deepEqual((await again.offsets()).map((o) => o.end), [0]);
      assert.deepEqual(await again.committed('g'), [], 'the old incarnation\'s group is not the new one\'s');
    });

    it('keeps records, groups, offsets and state across a server restart', async () => {
      // A server of its own, to restart without disturbing the other cases.
      const own = await startNats();
      assert.ok(own, 'nats-server did not start');
      try {
        const open = async () => new Broker(await openNatsEngine({ servers: own.url, prefix: 'restart' }));
        const first = await open();
        const s = await first.createStream('kept', { partitions: 2 });
        await s.appendBatch([{ body: 'a', partition: 0 }, { body: 'b', partition: 1 }, { body: 'c', partition: 0 }]);
        const c = s.consumer('g', { start: 'earliest', memberId: 'w' });
        await c.poll({ max: 2 });
        await c.commit({ state: [{ partition: 0, key: 'k', value: new Uint8Array([7]) }] });
        await first.close();
        await own.restart();
        await using second = await open();
        const again = second.stream('kept');
        assert.deepEqual((await again.offsets()).map((o) => o.end), [2, 1]);
        const c2 = again.consumer('g', { memberId: 'w' });
        assert.equal((await c2.poll({ max: 10 })).length, 1, 'exactly the record not committed before the restart');
        assert.deepEqual([...((await c2.loadState(0))[0]?.value ?? [])], [7]);
        assert.equal((await again.append({ body: 'd', partition: 1 })).offset, 1);
        await c2.close();
      } finally {
        await own.stop();
      }
    });
  });
});
