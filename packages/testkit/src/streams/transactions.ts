import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { ErrorCode, type StreamEngine } from '@switchyard/core';
import { caseRunner, expectCode, expectStats, uniqueName, type ConformanceTarget } from '../harness.js';
import { bodies, needsStreamOutputs, needsStreams, newStream, readAll } from './support.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

/**
 * The atomic consumer step: offsets, keyed state and output records committed together, or
 * nothing at all. This is what lets a stream processor survive a crash without losing or
 * double-counting.
 */
export function streamTransactionCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  void describe('streams: atomic offsets, state and outputs', () => {
    test('state is stored with the offsets and read back by partition', { needs: needsStreams }, async ({ broker }) => {
      const s = await newStream(broker, { partitions: 2 });
      await s.appendBatch([{ body: 1, partition: 0 }, { body: 2, partition: 1 }]);
      const c = s.consumer('g', { start: 'earliest' });
      await c.poll({ max: 10 });
      await c.commit({
        state: [
          { partition: 0, key: 'sum', value: bytes('1') },
          { partition: 1, key: 'sum', value: bytes('2') },
          { partition: 1, key: 'tmp', value: bytes('x') },
        ],
      });
      await c.commit({ state: [{ partition: 1, key: 'tmp', value: null }] });
      const p0 = await c.loadState(0);
      const p1 = await c.loadState(1);
      assert.deepEqual(p0.map((e) => [e.key, text(e.value)]), [['sum', '1']]);
      assert.deepEqual(p1.map((e) => [e.key, text(e.value)]), [['sum', '2']], 'a null value deletes the key');
      assert.deepEqual((await s.committed('g')).map((x) => x.offset), [1, 1]);
      await c.close();
    });

    test('outputs to a stream and to a topic are written in the same step', { needs: needsStreamOutputs }, async ({ broker, queue }) => {
      const input = await newStream(broker);
      const output = await newStream(broker, {}, 'out');
      const topic = await broker.createTopic(uniqueName('alerts'));
      const q = await queue();
      await topic.subscribe(q.name);
      await input.append({ body: 'in' });
      const c = input.consumer('g', { start: 'earliest' });
      await c.poll();
      await c.commit({
        appends: [{ stream: output.name, messages: [{ body: 'result', key: 'k' }] }],
        publishes: [{ topic: topic.name, messages: [{ body: 'alert' }] }],
      });
      assert.deepEqual(bodies(await readAll(output, 0)), ['result']);
      await expectStats(q, { ready: 1 });
      await c.close();
    });

    test('a refused step stores no offsets, no state and no outputs', { needs: needsStreamOutputs }, async ({ broker, engine, queue }) => {
      const input = await newStream(broker, { partitions: 2 });
      const output = await newStream(broker, {}, 'out');
      const topic = await broker.createTopic(uniqueName('alerts'));
      const q = await queue();
      await topic.subscribe(q.name);
      const streams = engine.streams as StreamEngine;
      const base = { sessionTimeoutMs: 10_000, strategy: 'range', start: 'earliest' } as const;
      const a = await streams.joinGroup(input.name, 'g', { ...base, memberId: 'a' });
      await streams.joinGroup(input.name, 'g', { ...base, memberId: 'b' });
      const c = input.consumer('g', { memberId: 'a', strategy: 'range' });
      assert.ok(a.partitions.includes(1));
      await expectCode(
        streams.commit(input.name, 'g', {
          memberId: 'a',
          generation: a.generation,
          offsets: [{ partition: 0, offset: 0 }],
          state: [
            { partition: 0, key: 'mine', value: bytes('ok') },
            { partition: 1, key: 'stolen', value: bytes('no') },
          ],
          appends: [{ stream: output.name, entries: [] }],
        }),
        ErrorCode.NotPartitionOwner,
      );
      await c.join();
      await expectCode(
        c.commit({ state: [{ partition: 1, key: 'k', value: bytes('v') }], appends: [{ stream: output.name, messages: [{ body: 'r' }] }], publishes: [{ topic: topic.name, messages: [{ body: 'p' }] }] }),
        ErrorCode.NotPartitionOwner,
      );
      assert.deepEqual(await c.loadState(0), []);
      assert.deepEqual(await c.loadState(1), []);
      assert.deepEqual(await input.committed('g'), []);
      assert.deepEqual((await output.offsets()).map((o) => o.end), [0]);
      await expectStats(q, { ready: 0 });
      await c.close();
    });

    test('a member that gains a partition finds the state its previous owner committed', { needs: needsStreams }, async ({ broker }) => {
      const s = await newStream(broker, { partitions: 2 });
      await s.appendBatch([{ body: 1, partition: 0 }, { body: 2, partition: 1 }]);
      const loaded: Record<number, string | undefined> = {};
      const a = s.consumer('g', { start: 'earliest', strategy: 'range', memberId: 'a' });
      await a.poll({ max: 10 });
      await a.commit({ state: [{ partition: 1, key: 'count', value: bytes('41') }] });
      const b = s.consumer('g', {
        strategy: 'range',
        memberId: 'b',
        onRebalance: async (change) => {
          for (const p of change.gained) loaded[p] = text((await b.loadState(p)).find((e) => e.key === 'count')?.value);
        },
      });
      await b.poll();
      assert.deepEqual(b.assignment, [1]);
      assert.deepEqual(loaded, { 1: '41' });
      assert.equal(b.position(1), 1, 'and resumes after the offset committed with it');
      await Promise.all([a.close(), b.close()]);
    });
  });
}
