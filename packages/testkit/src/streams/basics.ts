import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { partitionForKey } from '@switchyard/core';
import { caseRunner, uniqueName, type ConformanceTarget } from '../harness.js';
import { bodies, keyFor, needsStreams as needs, newStream, readAll } from './support.js';

/** Streams: creating them, appending with Kafka's partitioning and dense offsets, reading back. */
export function streamBasicsCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  void describe('streams: create, append, read', () => {
    test('a created stream reports its settings, is listed, and can be deleted', { needs }, async ({ broker }) => {
      const name = uniqueName('s');
      const s = await broker.createStream(name, { partitions: 4, retention: { maxAgeMs: 3_600_000, maxBytes: 1 << 20 } });
      const info = await s.info();
      assert.deepEqual({ ...info, createdAt: 0 }, { name, partitions: 4, retention: { maxAgeMs: 3_600_000, maxBytes: 1 << 20 }, createdAt: 0 });
      const again = await broker.createStream(name, { partitions: 4, retention: { maxAgeMs: 3_600_000, maxBytes: 1 << 20 } });
      assert.equal((await again.info()).createdAt, info.createdAt, 'creating it again with the same settings returns it');
      assert.deepEqual((await broker.listStreams()).map((x) => x.name), [name]);
      assert.equal(await broker.deleteStream(name), true);
      assert.equal(await broker.deleteStream(name), false);
      assert.deepEqual(await broker.listStreams(), []);
    });

    test('defaults: one partition, seven days of retention by age, no size limit', { needs }, async ({ broker }) => {
      const s = await newStream(broker);
      const info = await s.info();
      assert.equal(info.partitions, 1);
      assert.deepEqual(info.retention, { maxAgeMs: 7 * 24 * 3600_000, maxBytes: null });
    });

    test('append returns dense offsets per partition, in batch order', { needs }, async ({ broker }) => {
      const s = await newStream(broker, { partitions: 2 });
      const first = await s.appendBatch([
        { body: 'a', partition: 0 },
        { body: 'b', partition: 1 },
        { body: 'c', partition: 0 },
      ]);
      const second = await s.append({ body: 'd', partition: 0 });
      assert.deepEqual(
        first.map((r) => [r.partition, r.offset]),
        [
          [0, 0],
          [1, 0],
          [0, 1],
        ],
      );
      assert.deepEqual([second.partition, second.offset], [0, 2]);
      assert.deepEqual(bodies(await readAll(s, 0)), ['a', 'c', 'd']);
      assert.deepEqual(
        (await s.offsets()).map((o) => [o.partition, o.start, o.end]),
        [
          [0, 0, 3],
          [1, 0, 1],
        ],
      );
    });

    test("a key goes to the partition Kafka's default partitioner picks, every time", { needs }, async ({ broker }) => {
      const s = await newStream(broker, { partitions: 7 });
      const keys = ['21', 'foobar', 'abc', 'user-42', 'a-little-bit-long-string', 'ünïcødé'];
      for (let round = 0; round < 2; round++) {
        const results = await s.appendBatch(keys.map((key) => ({ key, body: key })));
        results.forEach((r, i) => assert.equal(r.partition, partitionForKey(keys[i] as string, 7), `key ${keys[i]}`));
      }
      // Kafka's own vector: murmur2("21") = -973932308; toPositive gives 1173551340, and % 7 = 3.
      assert.equal((await s.append({ key: '21', body: 'x' })).partition, 3);
    });

    test('keyless records spread evenly over the partitions, across batches', { needs }, async ({ broker }) => {
      const s = await newStream(broker, { partitions: 4 });
      await s.appendBatch(Array.from({ length: 10 }, (_, i) => ({ body: i })));
      await s.appendBatch(Array.from({ length: 6 }, (_, i) => ({ body: 10 + i })));
      assert.deepEqual(
        (await s.offsets()).map((o) => o.end),
        [4, 4, 4, 4],
      );
    });

    test('records come back whole: id, type, body, headers, key, timestamp, partition and offset', { needs }, async ({ broker, clock }) => {
      const s = await newStream(broker, { partitions: 3 });
      const key = keyFor(1, 3);
      await s.append({ id: 'evt-1', type: 'click', body: { page: '/home' }, headers: { 'correlation-id': 'c-1' }, key, timestamp: 1234 });
      await s.append({ body: new Uint8Array([0, 1, 255]), partition: 1 });
      await s.append({ body: 'plain text', partition: 1 });
      const [a, b, c] = await readAll(s, 1);
      assert.deepEqual(
        { ...a, appendedAt: 0 },
        { stream: s.name, partition: 1, offset: 0, id: 'evt-1', type: 'click', body: { page: '/home' }, headers: { 'correlation-id': 'c-1' }, key, timestamp: 1234, appendedAt: 0 },
      );
      assert.equal(a?.appendedAt, clock.now());
      assert.deepEqual(b?.body, new Uint8Array([0, 1, 255]));
      assert.equal(c?.body, 'plain text');
      assert.equal(b?.timestamp, clock.now(), 'the append time stands in for a missing timestamp');
    });

    test('read starts at the given offset and returns at most max records', { needs }, async ({ broker }) => {
      const s = await newStream(broker);
      await s.appendBatch(Array.from({ length: 10 }, (_, i) => ({ body: i })));
      assert.deepEqual(bodies(await s.read({ partition: 0, offset: 4, max: 3 })), [4, 5, 6]);
      assert.deepEqual(bodies(await s.read({ partition: 0, offset: 8 })), [8, 9]);
      assert.deepEqual(await s.read({ partition: 0, offset: 10 }), [], 'reading at the end returns nothing (without waiting)');
    });

    test('a log can be replayed: reading does not consume', { needs }, async ({ broker }) => {
      const s = await newStream(broker);
      await s.appendBatch([{ body: 1 }, { body: 2 }]);
      assert.deepEqual(bodies(await readAll(s, 0)), [1, 2]);
      assert.deepEqual(bodies(await readAll(s, 0)), [1, 2]);
    });

    test('a batch is atomic: one record for a missing partition stores none of them', { needs }, async ({ broker }) => {
      const s = await newStream(broker, { partitions: 2 });
      await assert.rejects(s.appendBatch([{ body: 'ok', partition: 0 }, { body: 'bad', partition: 2 }]), { code: 'PARTITION_OUT_OF_RANGE' });
      assert.deepEqual(
        (await s.offsets()).map((o) => o.end),
        [0, 0],
      );
    });
  });
}
