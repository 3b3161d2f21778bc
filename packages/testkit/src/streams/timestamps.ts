import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { caseRunner, type ConformanceTarget } from '../harness.js';
import { needsStreams as needs, newStream } from './support.js';

/** Finding the first offset at or after a timestamp (Kafka's offsetsForTimes). */
export function streamTimestampCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  void describe('streams: offsets for timestamps', () => {
    test('finds the first record, in log order, whose timestamp is at or after the one asked for', { needs }, async ({ broker }) => {
      const s = await newStream(broker);
      // Producer timestamps need not be in order: the answer follows the log, not a sort.
      await s.appendBatch([100, 200, 150, 300, 250, 400].map((timestamp) => ({ body: timestamp, timestamp })));
      const at = (t: number) => s.offsetForTimestamp(0, t);
      assert.equal(await at(0), 0);
      assert.equal(await at(100), 0);
      assert.equal(await at(101), 1);
      assert.equal(await at(150), 1, '200 at offset 1 comes before 150 at offset 2');
      assert.equal(await at(201), 3);
      assert.equal(await at(260), 3);
      assert.equal(await at(301), 5);
      assert.equal(await at(400), 5);
      assert.equal(await at(401), null, 'no record is that recent');
    });

    test('looks only at the partition asked for, and answers null on an empty one', { needs }, async ({ broker }) => {
      const s = await newStream(broker, { partitions: 2 });
      await s.appendBatch([
        { body: 'a', partition: 0, timestamp: 10 },
        { body: 'b', partition: 1, timestamp: 20 },
        { body: 'c', partition: 0, timestamp: 30 },
      ]);
      assert.equal(await s.offsetForTimestamp(0, 20), 1);
      assert.equal(await s.offsetForTimestamp(1, 20), 0);
      const empty = await newStream(broker);
      assert.equal(await empty.offsetForTimestamp(0, 0), null);
    });

    test('works over a long log (a search, not a guess)', { needs }, async ({ broker }) => {
      const s = await newStream(broker);
      for (let i = 0; i < 5; i++) await s.appendBatch(Array.from({ length: 200 }, (_, j) => ({ body: j, timestamp: 1000 + (i * 200 + j) * 10 })));
      for (const offset of [0, 1, 333, 512, 998, 999]) assert.equal(await s.offsetForTimestamp(0, 1000 + offset * 10), offset);
      assert.equal(await s.offsetForTimestamp(0, 1000 + 333 * 10 - 5), 333);
    });

    test('after retention removed the log\'s start, the answer is still the first record left that is recent enough', { needs }, async ({ broker }) => {
      const s = await newStream(broker, { retention: { maxAgeMs: null, maxBytes: 1024 } });
      // 250 bytes each; the size limit keeps four, so those stamped 500 and 400 go, and with them
      // every record before 600 that is that recent.
      await s.appendBatch([500, 400, 100, 200, 350, 600].map((timestamp) => ({ body: 'x'.repeat(250), timestamp })));
      await s.trim();
      assert.equal((await s.stats()).partitions[0]?.start, 2);
      const at = (t: number) => s.offsetForTimestamp(0, t);
      assert.equal(await at(50), 2);
      assert.equal(await at(150), 3);
      assert.equal(await at(320), 4);
      assert.equal(await at(360), 5, 'not 2: the records stamped 500 and 400 are gone');
      assert.equal(await at(601), null);
    });
  });
}
