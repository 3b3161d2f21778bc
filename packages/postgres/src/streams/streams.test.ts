import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BodyKind, Broker, ErrorCode, type StreamEntry } from '@switchyard/core';
import { expectCode, followPartition } from '@switchyard/testkit';
import pg from 'pg';
import { SettledClock } from '../../../../tests/engines/settled-clock.js';
import { onPrivateServer } from '../../../../tests/support/private-server.js';
import { postgresKind } from '../../../../tests/support/postgres.js';
import { openPostgresEngine, type PostgresEngine } from '../index.js';

/**
 * What the conformance suite cannot see: several engines (as several processes would) on one
 * schema racing on a partition, commits refused or failing half way, lock order under
 * contention, a stream deleted under appends and joins, the sweep, and upgrading a schema made
 * before streams existed.
 */
onPrivateServer('postgres streams', postgresKind, (server) => {
  let n = 0;
  const schema = () => `streams_${process.pid}_${n++}`;
  const open = (s: string, options: { clock?: SettledClock; poolSize?: number; sweepIntervalMs?: number } = {}) =>
    openPostgresEngine({ url: server().url, schema: s, poolSize: 8, ...options });
  const bytes = (text: string) => new TextEncoder().encode(text);
  const entry = (text: string, extra: Partial<StreamEntry> = {}): StreamEntry => ({
    id: `${text}-${Math.random()}`,
    type: 't',
    body: { kind: BodyKind.text, data: bytes(text) },
    headers: {},
    timestamp: 1,
    ...extra,
  });

  void describe('postgres streams', () => {
    it('gives dense offsets to two engines appending to one partition, and a following reader sees each offset once, in order', async () => {
      const name = schema();
      await using a = new Broker(await open(name));
      await using b = new Broker(await open(name));
      // The readers have an engine of their own, so their reads do not queue behind the appends for a connection.
      await using c = new Broker(await open(name));
      const sa = await a.createStream('race');
      const sb = b.stream('race');
      const sc = c.stream('race');
      // Keyless batches also take the stream row (round robin); explicit ones only the partition's.
      const batch = (i: number) => Array.from({ length: 1 + (i % 3) }, (_, k) => (i % 2 === 0 ? { body: `${i}.${k}` } : { body: `${i}.${k}`, partition: 0 }));
      const batches = Array.from({ length: 120 }, (_, i) => batch(i));
      const total = batches.reduce((sum, x) => sum + x.length, 0);
      const followers = Promise.all([followPartition(sc, 0, total), followPartition(sc, 0, total)]);
      const outcomes = await Promise.allSettled(batches.map((x, i) => (i % 2 === 0 ? sa : sb).appendBatch(x)));
      const followed = await followers;
      const failed = outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason));
      assert.deepEqual(failed, [], 'an append failed');
      const results = outcomes.flatMap((o) => (o.status === 'fulfilled' ? o.value : []));
      assert.deepEqual(
        results.map((r) => r.offset).sort((x, y) => x - y),
        Array.from({ length: total }, (_, i) => i),
        'every offset once, none skipped',
      );
      for (const [i, records] of followed.entries()) {
        assert.deepEqual(
          records.map((r) => r.offset),
          Array.from({ length: total }, (_, k) => k),
          `reader ${i} skipped or repeated a record`,
        );
      }
      // Each batch's records sit at consecutive offsets, in batch order.
      let at = 0;
      for (const x of batches) {
        const mine = results.slice(at, at + x.length).map((r) => r.offset);
        at += x.length;
        assert.deepEqual(mine, mine.map((_, k) => (mine[0] as number) + k));
      }
      const [range] = await sa.offsets();
      assert.deepEqual([range?.start, range?.end], [0, total]);
    });

    it('stores nothing of a commit refused with NOT_PARTITION_OWNER: no offsets, state, appended records or published messages', async () => {
      const name = schema();
      const engineA = await open(name);
      const engineB = await open(name);
      await using a = new Broker(engineA);
      await using b = new Broker(engineB);
      const input = await a.createStream('input', { partitions: 2 });
      const output = await a.createStream('output');
      const topic = await a.createTopic('alerts');
      const q = await a.createQueue('alerts-copy');
      await topic.subscribe(q.name);
      await input.appendBatch([{ body: 1, partition: 0 }, { body: 2, partition: 1 }]);
      const join = { sessionTimeoutMs: 60_000, strategy: 'range', start: 'earliest' } as const;
      const first = await engineA.streams.joinGroup('input', 'g', { ...join, memberId: 'a' });
      assert.deepEqual(first.partitions, [0, 1]);
      // Another process's member takes partition 1; a still carries the generation it read under.
      await engineB.streams.joinGroup('input', 'g', { ...join, memberId: 'b' });
      const step = (partitions: number[]) => ({
        memberId: 'a',
        generation: first.generation,
        offsets: partitions.map((partition) => ({ partition, offset: 1 })),
        state: partitions.map((partition) => ({ partition, key: 'sum', value: bytes(String(partition)) })),
        appends: [{ stream: 'output', entries: [entry('out')] }],
        publishes: [{ topic: 'alerts', entries: [entry('alert')] }],
      });
      await expectCode(engineA.streams.commit('input', 'g', step([0, 1])), ErrorCode.NotPartitionOwner);
      const stored = async () => ({
        committed: (await b.stream('input').committed('g')).map((c) => [c.partition, c.offset]),
        state: [...(await engineB.streams.loadState('input', 'g', 0)), ...(await engineB.streams.loadState('input', 'g', 1))].map((e) => e.key),
        output: (await output.offsets())[0]?.end,
        published: (await b.queue('alerts-copy').stats()).ready,
      });
      assert.deepEqual(await stored(), { committed: [], state: [], output: 0, published: 0 });
      // The same step for what a still owns is stored whole: the checks above can see each part.
      await engineA.streams.commit('input', 'g', step([0]));
      assert.deepEqual(await stored(), { committed: [[0, 1]], state: ['sum'], output: 1, published: 1 });
    });

    it('stores nothing of a commit that fails after its offsets, state and appends were written', async () => {
      const engine = await open(schema());
      await using broker = new Broker(engine);
      const input = await broker.createStream('input');
      const output = await broker.createStream('output', { partitions: 2 });
      const topic = await broker.createTopic('alerts');
      const q = await broker.createQueue('alerts-copy');
      await topic.subscribe(q.name);
      await input.append({ body: 1 });
      const m = await engine.streams.joinGroup('input', 'g', { sessionTimeoutMs: 60_000, strategy: 'range', start: 'earliest' });
      // Offsets, state, the appends and the first publish are written before the missing topic is found.
      await expectCode(
        engine.streams.commit('input', 'g', {
          memberId: m.memberId,
          generation: m.generation,
          offsets: [{ partition: 0, offset: 1 }],
          state: [{ partition: 0, key: 'sum', value: bytes('1') }],
          appends: [{ stream: 'output', entries: [entry('x', { partition: 0 }), entry('y', { partition: 1 }), entry('z')] }],
          publishes: [
            { topic: 'alerts', entries: [entry('alert')] },
            { topic: 'missing', entries: [entry('alert')] },
          ],
        }),
        ErrorCode.TopicNotFound,
      );
      assert.deepEqual(await input.committed('g'), []);
      assert.deepEqual(await engine.streams.loadState('input', 'g', 0), []);
      assert.deepEqual((await output.offsets()).map((o) => [o.end, o.bytes]), [
        [0, 0],
        [0, 0],
      ]);
      assert.equal((await q.stats()).ready, 0);
      // The round robin did not move either: the next keyless record goes where 'z' would have.
      assert.equal((await output.append({ body: 'next' })).partition, 0);
    });

    it('serialises joins to one group through two engines: each gets its own generation and the last rebalance sees every member', async () => {
      const name = schema();
      const engines = [await open(name), await open(name)];
      await using a = new Broker(engines[0] as PostgresEngine);
      await using b = new Broker(engines[1] as PostgresEngine);
      await a.createStream('shared', { partitions: 8 });
      const join = { sessionTimeoutMs: 60_000, strategy: 'range', start: 'earliest' } as const;
      const first = await (engines[0] as PostgresEngine).streams.joinGroup('shared', 'g', { ...join, memberId: 'm0' });
      const ids = Array.from({ length: 7 }, (_, i) => `m${i + 1}`);
      const joined = await Promise.all(ids.map((memberId, i) => (engines[i % 2] as PostgresEngine).streams.joinGroup('shared', 'g', { ...join, memberId })));
      assert.deepEqual(
        joined.map((m) => m.generation).sort((x, y) => x - y),
        ids.map((_, i) => first.generation + 1 + i),
        'two joins rebalanced from the same generation',
      );
      const group = await b.stream('shared').group('g');
      assert.equal(group?.generation, first.generation + ids.length);
      assert.deepEqual(
        group?.members.map((m) => [m.memberId, m.partitions.length]),
        ['m0', ...ids].map((id) => [id, 1]),
        'a rebalance missed a member that joined at the same time',
      );
    });

    it('does not deadlock when commits name their output streams in opposite orders while appends and trims run', async () => {
      const name = schema();
      const engineA = await open(name, { poolSize: 6 });
      const engineB = await open(name, { poolSize: 6 });
      await using a = new Broker(engineA);
      await using b = new Broker(engineB);
      await a.createStream('in', { partitions: 2 });
      const outs = [await a.createStream('out1', { partitions: 3, retention: { maxAgeMs: null, maxBytes: 4096 } }), await a.createStream('out2', { partitions: 3 })];
      const join = { sessionTimeoutMs: 60_000, strategy: 'range', start: 'earliest' } as const;
      const members = [await engineA.streams.joinGroup('in', 'g1', join), await engineB.streams.joinGroup('in', 'g2', join)];
      const groups = ['g1', 'g2'];
      const engines = [engineA, engineB];
      // Explicit partitions and keyless records (which take the stream row too), 100 bytes each.
      const many = (tag: string) => [0, 1, 2].flatMap((partition) => [entry(tag.padEnd(100, '.'), { partition }), entry(tag.padEnd(100, '-'))]);
      const work: Promise<unknown>[] = [];
      for (let i = 0; i < 40; i++) {
        const k = i % 2;
        const e = engines[k] as PostgresEngine;
        const order = k === 0 ? ['out1', 'out2'] : ['out2', 'out1'];
        const m = members[k] as (typeof members)[number];
        work.push(e.streams.commit('in', groups[k] as string, { memberId: m.memberId, generation: m.generation, offsets: [], appends: order.map((stream) => ({ stream, entries: many(`c${i}`) })) }));
        work.push((engines[1 - k] as PostgresEngine).streams.append(order[1] as string, many(`a${i}`)));
        if (i % 5 === 0) work.push(...outs.map((s) => (i % 2 === 0 ? a : b).stream(s.name).trim()));
      }
      const outcomes = await Promise.allSettled(work);
      const failed = outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason));
      assert.deepEqual(failed, [], 'an operation failed (a deadlock is reported as "deadlock detected")');
      const ends = (await outs[1]?.offsets())?.reduce((sum, o) => sum + o.end, 0);
      assert.equal(ends, 40 * 6 + 20 * 6, 'every record of out2 is there: 40 commits and 20 appends of 6');
      assert.ok(((await outs[0]?.stats())?.removedBySize ?? 0) > 0, 'the trims did remove records, under the same locks');
    });

    it('deletes a stream while two engines append to it and join its group: racers fail only with STREAM_NOT_FOUND, and nothing of it is left', async () => {
      const name = schema();
      const engines = [await open(name), await open(name)] as const;
      await using a = new Broker(engines[0]);
      await using b = new Broker(engines[1]);
      await a.createStream('doomed', { partitions: 4 });
      const join = { sessionTimeoutMs: 60_000, strategy: 'range', start: 'earliest' } as const;
      await engines[0].streams.joinGroup('doomed', 'g', { ...join, memberId: 'first' });
      await engines[0].streams.commit('doomed', 'g', { memberId: 'first', generation: 1, offsets: [{ partition: 0, offset: 0 }], state: [{ partition: 0, key: 'k', value: bytes('v') }] });
      const work: Promise<unknown>[] = [];
      let deleted: Promise<boolean> | undefined;
      for (let i = 0; i < 60; i++) {
        const e = i % 2 === 0 ? engines[0] : engines[1];
        // Keyless batches take the stream row too; explicit ones only their partitions'.
        const batch = i % 3 === 0 ? [entry(`k${i}`), entry(`k${i}`)] : [entry(`p${i}`, { partition: i % 4 }), entry(`q${i}`, { partition: (i + 1) % 4 })];
        work.push(e.streams.append('doomed', batch));
        // Joins to the group that exists (its row locked), and some that create a group.
        if (i % 2 === 0 || i % 10 === 5) work.push(e.streams.joinGroup('doomed', i % 10 === 5 ? `g${i}` : 'g', { ...join, memberId: `m${i}` }));
        if (i === 30) deleted = b.deleteStream('doomed');
      }
      const outcomes = await Promise.allSettled(work);
      assert.equal(await deleted, true);
      const reasons = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason as { code?: string });
      assert.deepEqual([...new Set(reasons.map((r) => r.code ?? String(r)))].filter((c) => c !== ErrorCode.StreamNotFound), [], 'a racer failed otherwise (a deadlock, a key violation)');
      assert.ok(outcomes.some((o) => o.status === 'fulfilled'), 'some work got in before the delete');
      assert.ok(reasons.length > 0, 'some work came after it: the delete raced');
      const raw = new pg.Client({ connectionString: server().url });
      await raw.connect();
      try {
        const tables = ['streams', 'stream_partitions', 'stream_records', 'stream_groups', 'stream_members', 'stream_owners', 'stream_offsets', 'stream_state'];
        const left: Record<string, number> = {};
        for (const t of tables) left[t] = Number((await raw.query<{ n: string }>(`SELECT count(*) AS n FROM ${name}.${t}`)).rows[0]?.n);
        assert.deepEqual(left, Object.fromEntries(tables.map((t) => [t, 0])), 'rows of the deleted stream were left behind');
      } finally {
        await raw.end();
      }
      // A new stream of that name starts from nothing.
      const again = await a.createStream('doomed', { partitions: 4 });
      assert.deepEqual((await again.append({ body: 'new', partition: 2 })).offset, 0);
      assert.equal(await again.group('g'), null);
    });

    it('applies stream retention on the engine\u2019s own sweep, on the injected clock', async () => {
      const clock = new SettledClock();
      const engine = await open(schema(), { clock, sweepIntervalMs: 1_000 });
      clock.engine = engine;
      await using broker = new Broker(engine, { clock });
      const s = await broker.createStream('short', { retention: { maxAgeMs: 60_000 } });
      await s.appendBatch([{ body: 1 }, { body: 2 }]);
      await clock.advance(59_000);
      assert.equal((await s.stats()).removedByAge, 0);
      // One interval at a time: the sweep re-arms its timer only when its pass has finished.
      for (let i = 0; i < 3; i++) await clock.advance(1_000);
      const stats = await s.stats();
      assert.equal(stats.removedByAge, 2, 'nobody called trim: the sweep removed and counted them');
      assert.equal(stats.partitions[0]?.start, 2);
    });

    it('upgrades a schema made before streams (and schema versions) existed, keeping its queues', async () => {
      const name = schema();
      const url = server().url;
      const first = new Broker(await open(name));
      await (await first.createQueue('jobs')).send({ body: 'kept' });
      await first.close();
      const raw = new pg.Client({ connectionString: url });
      await raw.connect();
      const version = async () => (await raw.query<{ version: number }>(`SELECT version FROM ${name}.schema_version`)).rows.map((r) => r.version);
      try {
        assert.deepEqual(await version(), [2]);
        const tables = ['schema_version', 'streams', 'stream_partitions', 'stream_records', 'stream_groups', 'stream_members', 'stream_owners', 'stream_offsets', 'stream_state'];
        for (const t of tables) await raw.query(`DROP TABLE ${name}.${t}`);
        await using upgraded = new Broker(await open(name));
        assert.equal((await upgraded.queue('jobs').receive())[0]?.body, 'kept');
        await (await upgraded.createStream('new')).append({ body: 1 });
        assert.deepEqual(await version(), [2]);
      } finally {
        await raw.end();
      }
    });
  });
});
