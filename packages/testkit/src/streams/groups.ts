import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { ErrorCode, type StreamEngine } from '@switchyard/core';
import { caseRunner, expectCode, type ConformanceTarget } from '../harness.js';
import { needsStreams, needsStreamsAndClock, newStream } from './support.js';

const session = { sessionTimeoutMs: 10_000, start: 'earliest' } as const;

/**
 * Consumer groups at the engine contract: each partition owned by exactly one live member,
 * rebalanced on join, leave and expiry, with members told what they gained and lost.
 */
export function streamGroupCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  void describe('streams: consumer groups', () => {
    test('range: members sorted by id take consecutive ranges, and are told what they gain and lose', { needs: needsStreams }, async ({ broker, engine }) => {
      const s = await newStream(broker, { partitions: 5 });
      const streams = engine.streams as StreamEngine;
      const a = await streams.joinGroup(s.name, 'g', { ...session, strategy: 'range', memberId: 'a' });
      assert.deepEqual([a.partitions, a.gained, a.lost], [[0, 1, 2, 3, 4], [0, 1, 2, 3, 4], []]);
      const b = await streams.joinGroup(s.name, 'g', { ...session, strategy: 'range', memberId: 'b' });
      assert.deepEqual([b.partitions, b.gained, b.lost], [[3, 4], [3, 4], []]);
      assert.ok(b.generation > a.generation, 'a join bumps the generation');
      const a2 = await streams.heartbeat(s.name, 'g', 'a');
      assert.deepEqual([a2.partitions, a2.gained, a2.lost, a2.generation], [[0, 1, 2], [], [3, 4], b.generation]);
      const a3 = await streams.heartbeat(s.name, 'g', 'a');
      assert.deepEqual([a3.gained, a3.lost], [[], []], 'a change is reported once');
    });

    test('sticky: a newcomer takes only its share, and a leaver\'s partitions go to those left', { needs: needsStreams }, async ({ broker, engine }) => {
      const s = await newStream(broker, { partitions: 6 });
      const streams = engine.streams as StreamEngine;
      const join = (memberId: string) => streams.joinGroup(s.name, 'g', { ...session, strategy: 'sticky', memberId });
      await join('a');
      await join('b');
      const before = { a: (await streams.heartbeat(s.name, 'g', 'a')).partitions, b: (await streams.heartbeat(s.name, 'g', 'b')).partitions };
      assert.equal(before.a.length + before.b.length, 6);
      const c = await join('c');
      assert.equal(c.partitions.length, 2);
      const a = await streams.heartbeat(s.name, 'g', 'a');
      const b = await streams.heartbeat(s.name, 'g', 'b');
      assert.equal(a.lost.length + b.lost.length, 2, 'exactly the newcomer\'s share moved');
      assert.deepEqual([...a.partitions, ...a.lost].sort(), before.a, 'a kept everything it did not hand over');
      assert.equal(await streams.leaveGroup(s.name, 'g', 'c'), true);
      const a2 = await streams.heartbeat(s.name, 'g', 'a');
      const b2 = await streams.heartbeat(s.name, 'g', 'b');
      assert.deepEqual([...a2.gained, ...b2.gained].sort(), c.partitions, 'the leaver\'s partitions, and only those, moved');
      assert.deepEqual([a2.lost, b2.lost], [[], []]);
      assert.equal(await streams.leaveGroup(s.name, 'g', 'c'), false, 'leaving twice');
    });

    test('a partition lost and regained between two answers is reported as both, with a new ownedSince', { needs: needsStreams }, async ({ broker, engine }) => {
      const s = await newStream(broker, { partitions: 2 });
      const streams = engine.streams as StreamEngine;
      const base = { ...session, strategy: 'range' } as const;
      const first = await streams.joinGroup(s.name, 'g', { ...base, memberId: 'a' });
      assert.deepEqual([first.partitions, first.ownedSince], [[0, 1], [first.generation, first.generation]]);
      await streams.joinGroup(s.name, 'g', { ...base, memberId: 'b' });
      await streams.leaveGroup(s.name, 'g', 'b');
      const after = await streams.heartbeat(s.name, 'g', 'a');
      assert.deepEqual([after.partitions, after.gained, after.lost], [[0, 1], [1], [1]]);
      assert.equal(after.ownedSince[0], first.generation, 'partition 0 never moved');
      assert.ok((after.ownedSince[1] as number) > first.generation, 'partition 1 is a new ownership');
    });

    test('every partition has exactly one owner through joins and leaves', { needs: needsStreams }, async ({ broker }) => {
      const s = await newStream(broker, { partitions: 7 });
      const engine = broker.engine.streams as StreamEngine;
      const check = async () => {
        const g = await s.group('g');
        const owned = (g?.members ?? []).flatMap((m) => m.partitions).sort((x, y) => x - y);
        assert.deepEqual(owned, g?.members.length ? [0, 1, 2, 3, 4, 5, 6] : []);
      };
      for (const id of ['m1', 'm2', 'm3', 'm4']) {
        await engine.joinGroup(s.name, 'g', { ...session, strategy: 'sticky', memberId: id });
        await check();
      }
      for (const id of ['m2', 'm4', 'm1', 'm3']) {
        await engine.leaveGroup(s.name, 'g', id);
        await check();
      }
    });

    test('a member that stops heartbeating expires on the clock and its partitions move', { needs: needsStreamsAndClock }, async ({ broker, engine, clock }) => {
      const s = await newStream(broker, { partitions: 4 });
      const streams = engine.streams as StreamEngine;
      await streams.joinGroup(s.name, 'g', { ...session, strategy: 'range', memberId: 'a' });
      const b = await streams.joinGroup(s.name, 'g', { ...session, strategy: 'range', memberId: 'b' });
      assert.deepEqual(b.partitions, [2, 3]);
      await clock.advance(6_000);
      await streams.heartbeat(s.name, 'g', 'a');
      await clock.advance(3_999);
      assert.deepEqual((await s.group('g'))?.members.map((m) => [m.memberId, m.partitions]), [
        ['a', [0, 1]],
        ['b', [2, 3]],
      ], 'b is alive 9.999 s after it joined');
      await clock.advance(1);
      const a = await streams.heartbeat(s.name, 'g', 'a');
      assert.deepEqual([a.partitions, a.gained], [[0, 1, 2, 3], [2, 3]]);
      await expectCode(streams.heartbeat(s.name, 'g', 'b'), ErrorCode.UnknownMember, 'the expired member');
      const back = await streams.joinGroup(s.name, 'g', { ...session, strategy: 'range', memberId: 'b' });
      assert.deepEqual(back.partitions, [2, 3], 'joining again brings it back');
    });

    test('a group keeps its strategy while it has members', { needs: needsStreams }, async ({ broker, engine }) => {
      const s = await newStream(broker, { partitions: 2 });
      const streams = engine.streams as StreamEngine;
      await streams.joinGroup(s.name, 'g', { ...session, strategy: 'range', memberId: 'a' });
      await expectCode(streams.joinGroup(s.name, 'g', { ...session, strategy: 'sticky', memberId: 'b' }), ErrorCode.InvalidArgument);
      assert.deepEqual((await s.group('g'))?.members.map((m) => m.memberId), ['a'], 'the refused join added no member');
      await streams.leaveGroup(s.name, 'g', 'a');
      await streams.joinGroup(s.name, 'g', { ...session, strategy: 'sticky', memberId: 'b' });
      assert.equal((await s.group('g'))?.strategy, 'sticky');
    });

    test('groups are independent: each reads the whole stream', { needs: needsStreams }, async ({ broker }) => {
      const s = await newStream(broker, { partitions: 2 });
      await s.appendBatch([{ body: 1 }, { body: 2 }, { body: 3 }]);
      for (const group of ['billing', 'audit']) {
        const c = s.consumer(group, { start: 'earliest' });
        const got = await c.poll({ max: 10 });
        assert.deepEqual(got.map((r) => r.body).sort(), [1, 2, 3], group);
        await c.close();
      }
    });

    test('the facade consumer hands out partitions on poll and tells its listener', { needs: needsStreamsAndClock }, async ({ broker, clock }) => {
      const s = await newStream(broker, { partitions: 4 });
      const changes: Record<string, { gained: number[]; lost: number[] }[]> = { a: [], b: [] };
      const consumer = (id: 'a' | 'b') =>
        s.consumer('g', { strategy: 'range', memberId: id, sessionTimeoutMs: 3_000, onRebalance: (c) => void changes[id]?.push({ gained: c.gained, lost: c.lost }) });
      const a = consumer('a');
      const b = consumer('b');
      await a.poll();
      await b.poll();
      assert.deepEqual([a.assignment, b.assignment], [[0, 1, 2, 3], [2, 3]]);
      await clock.advance(1_000);
      await a.poll();
      assert.deepEqual(a.assignment, [0, 1], 'a learns of the rebalance at its next heartbeat');
      await b.close();
      await clock.advance(1_000);
      await a.poll();
      assert.deepEqual(a.assignment, [0, 1, 2, 3]);
      assert.deepEqual(changes.a, [
        { gained: [0, 1, 2, 3], lost: [] },
        { gained: [], lost: [2, 3] },
        { gained: [2, 3], lost: [] },
      ]);
      assert.deepEqual(changes.b, [
        { gained: [2, 3], lost: [] },
        { gained: [], lost: [2, 3] },
      ]);
      await a.close();
    });

    test('a polling consumer heartbeats, so it does not expire while idle', { needs: needsStreamsAndClock }, async ({ broker, clock }) => {
      const s = await newStream(broker, { partitions: 1 });
      const c = s.consumer('g', { sessionTimeoutMs: 3_000 });
      await c.join();
      const member = c.memberId;
      for (let i = 0; i < 10; i++) {
        await c.poll();
        await clock.advance(1_000);
      }
      assert.equal(c.memberId, member);
      assert.deepEqual((await s.group('g'))?.members.map((m) => m.memberId), [member]);
      await c.close();
      assert.deepEqual((await s.group('g'))?.members, []);
    });
  });
}
