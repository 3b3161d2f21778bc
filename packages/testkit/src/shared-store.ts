import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { Delivery, Queue, Stream } from '@switchyard/core';
import { caseRunner, type ConformanceTarget } from './harness.js';
import { bodies, follow, needsStreams, newStream, readAll } from './streams/support.js';

/**
 * Several engines on one store — two processes on one SQLite file, two services on one server
 * and prefix. What one engine stores the other sees, a message is leased by one of them at a
 * time, and a waiting receive or read is woken by the other engine's write (by whatever the
 * engine uses to hear of other processes' commits; never by its wait running out).
 *
 * Targets that cannot open a second engine on the same store skip these cases.
 */
export function sharedStoreCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  void describe('several engines on one store', () => {
    test('a message sent through one engine is received, and its ack honoured, through the other', { peer: true }, async ({ queue, peer }) => {
      const q = await queue({ visibilityTimeoutMs: 60_000 });
      const other = (await peer()).queue(q.name);
      await q.send({ id: 'm', body: { n: 1 } });
      const [d] = await other.receive();
      assert.equal(d?.id, 'm');
      assert.deepEqual(d?.body, { n: 1 });
      await other.ack(d);
      assert.deepEqual(await q.receive(), [], 'acked through the other engine, yet still delivered');
    });

    test('two engines receiving at once never lease one message twice', { peer: true }, async ({ queue, peer }) => {
      const total = 120;
      const q = await queue({ visibilityTimeoutMs: 60_000 });
      const other = (await peer()).queue(q.name);
      for (let b = 0; b < total / 10; b++) await q.sendBatch(Array.from({ length: 10 }, (_, i) => ({ id: `a-${b * 10 + i}`, body: b * 10 + i })));
      const seen: string[] = [];
      // No long poll: on a manual clock a wait for messages that another receiver took never ends.
      const drain = async (from: Queue) => {
        while (seen.length < total) {
          const got = await from.receive({ max: 10, waitMs: 0 });
          seen.push(...got.map((d) => d.id));
          await Promise.all(got.map((d) => from.ack(d)));
        }
      };
      await Promise.all([drain(q), drain(other), drain(q), drain(other)]);
      assert.equal(seen.length, total, 'a message was delivered to more than one receiver');
      assert.equal(new Set(seen).size, total);
    });

    test('a waiting receive on one engine is woken by a send through the other', { peer: true }, async ({ queue, peer }) => {
      const q = await queue();
      const other = (await peer()).queue(q.name);
      const poll = q.receive({ waitMs: 10_000 });
      await other.send({ id: 'wake', body: 'x' });
      const got: Delivery[] = await poll;
      assert.deepEqual(
        got.map((d) => d.id),
        ['wake'],
      );
    });

    test('a waiting stream read on one engine is woken by an append through the other', { needs: needsStreams, peer: true }, async ({ broker, peer }) => {
      const s = await newStream(broker, { partitions: 2 });
      const other = (await peer()).stream(s.name);
      const poll = s.read({ partition: 1, offset: 0, waitMs: 10_000 });
      await other.append({ body: 'elsewhere', partition: 0 });
      await other.append({ body: 'hello', partition: 1 });
      assert.deepEqual(bodies(await poll), ['hello']);
    });

    test('appends through two engines to one partition get dense offsets, and a reader sees each record once', { needs: needsStreams, peer: true }, async ({ broker, peer }) => {
      const s = await newStream(broker);
      const other = (await peer()).stream(s.name);
      // The reader has an engine of its own: sharing the appenders' connections, its reads would
      // queue behind their commits and could not see one committed out of order.
      const reader = (await peer()).stream(s.name);
      const each = 40;
      const appendAll = (from: Stream, tag: string) =>
        Promise.all(Array.from({ length: each }, (_, i) => from.append({ body: `${tag}${i}` })));
      const follower = follow(reader, 0, 2 * each);
      const results = [...(await Promise.all([appendAll(s, 'a'), appendAll(other, 'b')])).flat()];
      assert.deepEqual(
        results.map((r) => r.offset).sort((x, y) => x - y),
        Array.from({ length: 2 * each }, (_, i) => i),
        'offsets are not dense and distinct',
      );
      const followed = await follower;
      assert.deepEqual(
        followed.map((r) => r.offset),
        Array.from({ length: 2 * each }, (_, i) => i),
        'a reader following the partition skipped or repeated a record',
      );
      assert.deepEqual(bodies(await readAll(s, 0)), bodies(followed));
    });
  });
}
