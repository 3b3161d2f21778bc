import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { ErrorCode, type Stream, type StreamEngine } from '@switchyard/core';
import { caseRunner, expectCode, uniqueName, type ConformanceTarget } from '../harness.js';
import { needsStreams as needs, newStream } from './support.js';

/** Asserts that the stream's offsets (and so its records) did not move. */
async function unchanged(s: Stream, action: () => Promise<unknown>): Promise<void> {
  const before = await s.offsets();
  await action();
  assert.deepEqual(await s.offsets(), before, 'a refused call changed the stream');
}

/** Bad input on streams: every refusal carries its typed code and leaves stored data as it was. */
export function streamBadInputCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  void describe('streams: bad input', () => {
    test('operations on an unknown stream are refused with STREAM_NOT_FOUND', { needs }, async ({ broker, engine }) => {
      const missing = broker.stream(uniqueName('missing'));
      await expectCode(() => missing.append({ body: 'x' }), ErrorCode.StreamNotFound, 'append');
      await expectCode(() => missing.read({ partition: 0, offset: 0 }), ErrorCode.StreamNotFound, 'read');
      await expectCode(() => missing.read({ partition: 0, offset: 0, waitMs: 5_000 }), ErrorCode.StreamNotFound, 'long-poll read');
      await expectCode(() => missing.info(), ErrorCode.StreamNotFound, 'info');
      await expectCode(() => missing.offsets(), ErrorCode.StreamNotFound, 'offsets');
      await expectCode(() => missing.offsetForTimestamp(0, 0), ErrorCode.StreamNotFound, 'offsetForTimestamp');
      await expectCode(() => missing.trim(), ErrorCode.StreamNotFound, 'trim');
      await expectCode(() => missing.stats(), ErrorCode.StreamNotFound, 'stats');
      await expectCode(() => missing.consumer('g').poll(), ErrorCode.StreamNotFound, 'consumer poll');
      const streams = engine.streams as StreamEngine;
      await expectCode(() => streams.commit(missing.name, 'g', { memberId: 'm', generation: 0, offsets: [] }), ErrorCode.StreamNotFound, 'commit');
      assert.deepEqual(await broker.listStreams(), [], 'a refused call created a stream');
    });

    test('a partition outside the stream is refused with PARTITION_OUT_OF_RANGE', { needs }, async ({ broker }) => {
      const s = await newStream(broker, { partitions: 3 });
      await s.append({ body: 'x', partition: 2 });
      await unchanged(s, async () => {
        await expectCode(() => s.append({ body: 'x', partition: 3 }), ErrorCode.PartitionOutOfRange, 'append to partition 3');
        await expectCode(() => s.append({ body: 'x', partition: -1 }), ErrorCode.PartitionOutOfRange, 'append to partition -1');
        await expectCode(() => s.read({ partition: 3, offset: 0 }), ErrorCode.PartitionOutOfRange, 'read');
        await expectCode(() => s.offsetForTimestamp(7, 0), ErrorCode.PartitionOutOfRange, 'offsetForTimestamp');
      });
    });

    test('an offset outside the log is refused with OFFSET_OUT_OF_RANGE; the end itself is valid', { needs }, async ({ broker }) => {
      const s = await newStream(broker);
      await s.appendBatch([{ body: 1 }, { body: 2 }]);
      const error = await expectCode(() => s.read({ partition: 0, offset: 3 }), ErrorCode.OffsetOutOfRange, 'past the end');
      assert.deepEqual([(error as unknown as { start: number }).start, (error as unknown as { end: number }).end], [0, 2]);
      await expectCode(() => s.read({ partition: 0, offset: -1 }), ErrorCode.OffsetOutOfRange, 'negative');
      assert.deepEqual(await s.read({ partition: 0, offset: 2 }), []);
    });

    test('a stream created again with other settings is refused with STREAM_ALREADY_EXISTS', { needs }, async ({ broker }) => {
      const s = await newStream(broker, { partitions: 2 });
      await expectCode(() => broker.createStream(s.name, { partitions: 3 }), ErrorCode.StreamAlreadyExists);
      await expectCode(() => broker.createStream(s.name, { partitions: 2, retention: { maxAgeMs: 60_000 } }), ErrorCode.StreamAlreadyExists);
      assert.equal((await s.info()).partitions, 2);
    });

    test('invalid names and options are refused before anything is stored', { needs }, async ({ broker }) => {
      for (const bad of ['', 'a b', 'x'.repeat(250), '..', 'a/b']) await expectCode(() => broker.createStream(bad), ErrorCode.InvalidName, JSON.stringify(bad));
      const refusals: Record<string, () => unknown> = {
        'zero partitions': () => broker.createStream(uniqueName(), { partitions: 0 }),
        'fractional partitions': () => broker.createStream(uniqueName(), { partitions: 1.5 }),
        'too many partitions': () => broker.createStream(uniqueName(), { partitions: 1025 }),
        'retention under 1 s': () => broker.createStream(uniqueName(), { retention: { maxAgeMs: 999 } }),
        'maxBytes under 1 KiB': () => broker.createStream(uniqueName(), { retention: { maxBytes: 1023 } }),
        'unknown option': () => broker.createStream(uniqueName(), { partitons: 2 } as never),
        'listStreams(5)': () => broker.listStreams(5 as never),
      };
      for (const [what, call] of Object.entries(refusals)) await expectCode(call, ErrorCode.InvalidArgument, what);
      assert.deepEqual(await broker.listStreams(), []);
    });

    test('bad records and reads are refused with INVALID_ARGUMENT and nothing is appended', { needs }, async ({ broker }) => {
      const s = await newStream(broker, { partitions: 2 });
      await s.append({ body: 'existing' });
      await unchanged(s, async () => {
        const refusals: Record<string, () => unknown> = {
          'empty batch': () => s.appendBatch([]),
          'missing body': () => s.append({} as never),
          'a delay': () => s.append({ body: 'x', delayMs: 5 } as never),
          'a dedup id': () => s.append({ body: 'x', dedupId: 'd' } as never),
          'fractional partition': () => s.append({ body: 'x', partition: 0.5 }),
          'bad header in a batch': () => s.appendBatch([{ body: 'ok' }, { body: 'x', headers: { n: 1 as never } }]),
          'read max 0': () => s.read({ partition: 0, offset: 0, max: 0 }),
          'read wait over 60 s': () => s.read({ partition: 0, offset: 0, waitMs: 60_001 }),
          'read fractional offset': () => s.read({ partition: 0, offset: 0.5 }),
          'bad group name': () => s.consumer('a b'),
          'bad session timeout': () => s.consumer('g', { sessionTimeoutMs: 10 }),
          'consumer options null': () => s.consumer('g', null as never),
          'bad strategy': () => s.consumer('g', { strategy: 'random' as never }),
          'bad start': () => s.consumer('g', { start: 'middle' as never }),
        };
        for (const [what, call] of Object.entries(refusals)) await expectCode(call, what.startsWith('bad group') ? ErrorCode.InvalidName : ErrorCode.InvalidArgument, what);
      });
    });

    test('a bad state change is refused and nothing of the commit is stored', { needs }, async ({ broker }) => {
      const s = await newStream(broker);
      await s.append({ body: 1 });
      const c = s.consumer('g', { start: 'earliest' });
      await c.poll();
      await expectCode(() => c.commit({ state: [{ partition: 0, key: '', value: null }] }), ErrorCode.InvalidArgument, 'empty key');
      await expectCode(() => c.commit({ state: [{ partition: 0, key: 'k', value: 'text' as never }] }), ErrorCode.InvalidArgument, 'a string value');
      await expectCode(() => c.commit({ state: [{ partition: 5, key: 'k', value: null }] }), ErrorCode.PartitionOutOfRange, 'state for a missing partition');
      assert.deepEqual(await s.committed('g'), []);
      await c.close();
    });

    test('after broker.close() stream operations are refused with CLOSED', { needs }, async ({ broker }) => {
      const s = await newStream(broker);
      await broker.close();
      await expectCode(() => s.append({ body: 'x' }), ErrorCode.Closed, 'append');
      await expectCode(() => s.read({ partition: 0, offset: 0 }), ErrorCode.Closed, 'read');
      await expectCode(() => s.read({ partition: 0, offset: 0, waitMs: 5_000 }), ErrorCode.Closed, 'long-poll read');
      await expectCode(() => broker.createStream(uniqueName()), ErrorCode.Closed, 'createStream');
    });
  });
}
