import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { ErrorCode, type StreamEngine } from '@switchyard/core';
import { caseRunner, expectCode, type ConformanceTarget } from '../harness.js';
import { bodies, needsStreams, needsStreamsAndClock, newStream } from './support.js';

/** Committed offsets: where a group resumes, where a new group starts, seeking, and who may commit. */
export function streamOffsetCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  void describe('streams: committed offsets and seeking', () => {
    test('a member resumes from what its group committed, not from what it read', { needs: needsStreams }, async ({ broker }) => {
      const s = await newStream(broker);
      await s.appendBatch([1, 2, 3, 4, 5].map((body) => ({ body })));
      const first = s.consumer('g', { start: 'earliest' });
      assert.deepEqual(bodies(await first.poll({ max: 2 })), [1, 2]);
      await first.commit();
      assert.deepEqual(bodies(await first.poll({ max: 2 })), [3, 4], 'read but never committed');
      await first.close();
      assert.deepEqual((await s.committed('g')).map((c) => [c.partition, c.offset]), [[0, 2]]);
      const second = s.consumer('g');
      assert.deepEqual(bodies(await second.poll({ max: 10 })), [3, 4, 5]);
      await second.close();
    });

    test('a new group starts at the earliest record, or only sees records appended after it was created', { needs: needsStreams }, async ({ broker }) => {
      const s = await newStream(broker, { partitions: 2 });
      await s.appendBatch([{ body: 'old-0', partition: 0 }, { body: 'old-1', partition: 1 }]);
      const early = s.consumer('early', { start: 'earliest' });
      const late = s.consumer('late', { start: 'latest' });
      await early.join();
      await late.join();
      await s.appendBatch([{ body: 'new-0', partition: 0 }, { body: 'new-1', partition: 1 }]);
      assert.deepEqual(bodies(await early.poll({ max: 10 })).sort(), ['new-0', 'new-1', 'old-0', 'old-1']);
      assert.deepEqual(bodies(await late.poll({ max: 10 })).sort(), ['new-0', 'new-1']);
      await late.close();
      // "Latest" was fixed when the group was created: a later member does not skip ahead.
      await s.append({ body: 'newer', partition: 0 });
      const again = s.consumer('late');
      assert.deepEqual(bodies(await again.poll({ max: 10 })).sort(), ['new-0', 'new-1', 'newer']);
      await Promise.all([early.close(), again.close()]);
    });

    test('seek moves a position to an offset, the beginning, the end or a timestamp', { needs: needsStreams }, async ({ broker }) => {
      const s = await newStream(broker);
      await s.appendBatch([10, 20, 30, 40].map((t) => ({ body: t, timestamp: t })));
      const c = s.consumer('g', { start: 'earliest' });
      await c.join();
      await c.seek(0, 2);
      assert.deepEqual(bodies(await c.poll({ max: 1 })), [30]);
      await c.seekToBeginning();
      assert.deepEqual(bodies(await c.poll({ max: 1 })), [10]);
      await c.seekToTimestamp(25);
      assert.deepEqual(bodies(await c.poll({ max: 1 })), [30]);
      await c.seekToEnd();
      assert.deepEqual(await c.poll(), []);
      await c.seekToTimestamp(41);
      assert.equal(c.position(0), 4, 'no record that recent: the end');
      await expectCode(c.seek(0, 5), ErrorCode.OffsetOutOfRange, 'past the end');
      await expectCode(c.seek(1, 0), ErrorCode.NotPartitionOwner, 'a partition it does not own');
      await c.seek(0, 1);
      await c.commit();
      assert.deepEqual((await s.committed('g')).map((x) => x.offset), [1], 'a commit stores the sought position');
      await c.close();
    });

    test('a commit for a partition the member lost is refused with NOT_PARTITION_OWNER and changes nothing', { needs: needsStreams }, async ({ broker, engine }) => {
      const s = await newStream(broker, { partitions: 2 });
      const streams = engine.streams as StreamEngine;
      const base = { sessionTimeoutMs: 10_000, strategy: 'range', start: 'earliest' } as const;
      const a = await streams.joinGroup(s.name, 'g', { ...base, memberId: 'a' });
      await s.appendBatch([{ body: 1, partition: 1 }]);
      const b = await streams.joinGroup(s.name, 'g', { ...base, memberId: 'b' });
      assert.deepEqual(b.partitions, [1]);
      await expectCode(
        streams.commit(s.name, 'g', { memberId: 'a', generation: a.generation, offsets: [{ partition: 0, offset: 0 }, { partition: 1, offset: 1 }] }),
        ErrorCode.NotPartitionOwner,
        'a commits partition 1 after b took it',
      );
      assert.deepEqual(await s.committed('g'), [], 'not even partition 0, which a still owns');
      await streams.commit(s.name, 'g', { memberId: 'a', generation: a.generation, offsets: [{ partition: 0, offset: 0 }] });
      await streams.commit(s.name, 'g', { memberId: 'b', generation: b.generation, offsets: [{ partition: 1, offset: 1 }] });
      assert.deepEqual((await s.committed('g')).map((c) => [c.partition, c.offset]), [[0, 0], [1, 1]]);
      await expectCode(
        streams.commit(s.name, 'g', { memberId: 'b', generation: b.generation, offsets: [{ partition: 1, offset: 2 }] }),
        ErrorCode.OffsetOutOfRange,
        'past the end of the partition',
      );
      await expectCode(
        streams.commit(s.name, 'g', { memberId: 'stranger', generation: b.generation, offsets: [{ partition: 0, offset: 0 }] }),
        ErrorCode.NotPartitionOwner,
        'a member the group never had',
      );
    });

    test('an expired member cannot commit', { needs: needsStreamsAndClock }, async ({ broker, engine, clock }) => {
      const s = await newStream(broker);
      const streams = engine.streams as StreamEngine;
      const a = await streams.joinGroup(s.name, 'g', { sessionTimeoutMs: 5_000, strategy: 'range', start: 'earliest', memberId: 'a' });
      await clock.advance(5_000);
      await expectCode(streams.commit(s.name, 'g', { memberId: 'a', generation: a.generation, offsets: [{ partition: 0, offset: 0 }] }), ErrorCode.NotPartitionOwner);
      assert.deepEqual(await s.committed('g'), []);
    });

    test('a partition lost and regained fences commits made under the old ownership', { needs: needsStreams }, async ({ broker, engine }) => {
      const s = await newStream(broker, { partitions: 2 });
      await s.appendBatch([{ body: 1, partition: 1 }]);
      const streams = engine.streams as StreamEngine;
      const base = { sessionTimeoutMs: 10_000, strategy: 'range', start: 'earliest' } as const;
      const old = await streams.joinGroup(s.name, 'g', { ...base, memberId: 'a' });
      await streams.joinGroup(s.name, 'g', { ...base, memberId: 'b' });
      await streams.leaveGroup(s.name, 'g', 'b');
      const now = await streams.heartbeat(s.name, 'g', 'a');
      assert.deepEqual(now.partitions, [0, 1]);
      await expectCode(
        streams.commit(s.name, 'g', { memberId: 'a', generation: old.generation, offsets: [{ partition: 1, offset: 1 }] }),
        ErrorCode.NotPartitionOwner,
        'work read before losing partition 1',
      );
      await streams.commit(s.name, 'g', { memberId: 'a', generation: old.generation, offsets: [{ partition: 0, offset: 0 }] });
      await streams.commit(s.name, 'g', { memberId: 'a', generation: now.generation, offsets: [{ partition: 1, offset: 1 }] });
    });

    test('static membership: rejoining under the same id keeps the partitions and fences the old incarnation', { needs: needsStreams }, async ({ broker, engine }) => {
      const s = await newStream(broker, { partitions: 2 });
      const streams = engine.streams as StreamEngine;
      const base = { sessionTimeoutMs: 10_000, strategy: 'sticky', start: 'earliest' } as const;
      await streams.joinGroup(s.name, 'g', { ...base, memberId: 'a' });
      const old = await streams.joinGroup(s.name, 'g', { ...base, memberId: 'worker-1' });
      const reborn = await streams.joinGroup(s.name, 'g', { ...base, memberId: 'worker-1' });
      assert.deepEqual(reborn.partitions, old.partitions);
      assert.deepEqual(reborn.gained, reborn.partitions, 'a new incarnation is told everything it owns');
      const p = old.partitions[0] as number;
      await expectCode(streams.commit(s.name, 'g', { memberId: 'worker-1', generation: old.generation, offsets: [{ partition: p, offset: 0 }] }), ErrorCode.NotPartitionOwner);
      await streams.commit(s.name, 'g', { memberId: 'worker-1', generation: reborn.generation, offsets: [{ partition: p, offset: 0 }] });
      assert.equal((await s.group('g'))?.members.length, 2);
    });

    test('a member that regains a partition resumes from what the interim owner committed, not from its old position', { needs: needsStreamsAndClock }, async ({ broker, clock }) => {
      const s = await newStream(broker, { partitions: 2 });
      await s.appendBatch([{ body: 'x0', partition: 1 }]);
      const a = s.consumer('g', { start: 'earliest', strategy: 'range', memberId: 'a', heartbeatIntervalMs: 1_000 });
      assert.deepEqual(bodies(await a.poll({ max: 10 })), ['x0'], 'a reads partition 1 but does not commit');
      const b = s.consumer('g', { strategy: 'range', memberId: 'b' });
      await s.appendBatch([{ body: 'x1', partition: 1 }]);
      assert.deepEqual(bodies(await b.poll({ max: 10 })), ['x0', 'x1'], 'b takes partition 1 over from the committed start');
      await b.commit();
      await b.close();
      await clock.advance(1_000);
      assert.deepEqual(await a.poll({ max: 10 }), [], 'a must not read x1 again: b committed it');
      assert.deepEqual(a.assignment, [0, 1]);
      assert.equal(a.position(1), 2);
      await a.commit();
      assert.deepEqual((await s.committed('g')).map((c) => [c.partition, c.offset]), [[0, 0], [1, 2]]);
      await a.close();
    });

    test('the consumer rewinds to its committed position after a refused commit', { needs: needsStreams }, async ({ broker }) => {
      const s = await newStream(broker, { partitions: 2 });
      await s.appendBatch([{ body: 'a0', partition: 0 }, { body: 'a1', partition: 1 }]);
      const a = s.consumer('g', { start: 'earliest', strategy: 'range', memberId: 'a' });
      assert.equal((await a.poll({ max: 10 })).length, 2);
      const b = s.consumer('g', { strategy: 'range', memberId: 'b' });
      await b.join();
      await expectCode(a.commit(), ErrorCode.NotPartitionOwner);
      await a.rewind();
      assert.deepEqual(bodies(await a.poll({ max: 10 })), ['a0'], 'partition 0 again, from its committed start');
      await a.commit();
      assert.deepEqual(bodies(await b.poll({ max: 10 })), ['a1']);
      await Promise.all([a.close(), b.close()]);
    });
  });
}
