import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Broker, type Engine, type EnqueueEntry } from '@switchyard/core';
import pg from 'pg';
import { postgresSkipReason, startPostgres } from '../../../../tests/support/postgres.js';
import { NotInTransactionError } from '../errors.js';
import { OutboxRelay } from '../relay.js';
import type { SentEvent } from '../relay-options.js';
import type { OutboxStore } from '../store.js';
import { Collector, memoryLogger, peekAll, testBroker } from '../testing/harness.js';
import { freshPool as freshDatabase, inTransaction } from '../testing/postgres.js';
import { PostgresOutbox } from './outbox.js';

const server = await startPostgres();
after(() => server?.stop());

/** A fresh database with an orders table, and a pool on it. */
const freshPool = (): Promise<pg.Pool> => freshDatabase(server as NonNullable<typeof server>, 'outbox', 'CREATE TABLE orders (id TEXT PRIMARY KEY, total INTEGER NOT NULL)');

function watched(broker: Broker, sent: string[]): Broker {
  const e = broker.engine;
  const engine = {
    name: e.name,
    features: e.features,
    topics: e.topics,
    admin: e.admin,
    queues: {
      ...e.queues,
      enqueue: (queue: string, entries: readonly EnqueueEntry[]) => {
        sent.push(...entries.map((x) => x.id));
        return e.queues.enqueue(queue, entries);
      },
    },
    close: () => e.close(),
  } as Engine;
  return new Broker(engine, { clock: broker.clock });
}

describe('PostgresOutbox', { timeout: 60_000 }, () => {
  for (const notify of ['after-commit', 'in-transaction'] as const) {
  test(`commits deliver (woken by a NOTIFY ${notify}), rollbacks do not, and add needs a transaction`, async (t) => {
    if (!server) return t.skip(postgresSkipReason);
    await using b = await testBroker();
    await b.broker.createQueue('orders');
    const pool = await freshPool();
    const outbox = await PostgresOutbox.open(pool, { clock: b.clock, logger: memoryLogger(), notify });
    const sent = new Collector<SentEvent>();
    const relay = outbox.relay(b.broker, { logger: memoryLogger(), onSent: (e) => sent.push(e) });
    await inTransaction(pool, async (c) => {
      await c.query('INSERT INTO orders VALUES ($1, $2)', ['A-1', 42]);
      await outbox.add(c, { queue: 'orders', type: 'order.created', body: { id: 'A-1', total: 42 }, key: 'A-1' });
    });
    await assert.rejects(
      inTransaction(pool, async (c) => {
        await c.query('INSERT INTO orders VALUES ($1, $2)', ['A-2', 7]);
        await outbox.add(c, { queue: 'orders', body: { id: 'A-2' } });
        throw new Error('payment declined');
      }),
      /payment declined/,
    );
    const client = await pool.connect();
    await assert.rejects(outbox.add(client, { queue: 'orders', body: 1 }), NotInTransactionError);
    client.release();
    // The clock never moves: only the NOTIFY at commit can have woken the relay.
    await sent.until((e) => e.length === 1);
    const [m] = await peekAll(b.broker, 'orders');
    assert.deepEqual(m?.body, { id: 'A-1', total: 42 });
    assert.equal(m?.type, 'order.created');
    assert.equal((await b.broker.queue('orders').stats()).ready, 1);
    await relay.close(); // lets the round in progress mark what it sent
    assert.deepEqual(await outbox.stats(), { pending: 0, oldestAgeMs: 0 });
    await pool.end();
  });
  }

  test('a claim never takes a leased row, nor overtakes an earlier row of its key', async (t) => {
    if (!server) return t.skip(postgresSkipReason);
    const pool = await freshPool();
    let now = 1_000_000;
    const outbox = await PostgresOutbox.open(pool, { clock: { now: () => now, setTimer: () => ({ cancel: () => undefined }) }, logger: memoryLogger() });
    await inTransaction(pool, (c) =>
      outbox.addBatch(
        c,
        (['k1', 'k2', 'j1', 'k3', 'j2'] as const).map((body) => ({ queue: 'q', key: body[0] as string, body })),
      ),
    );
    const bodies = (rows: { body: Uint8Array }[]) => rows.map((r) => new TextDecoder().decode(r.body));
    const s = outbox.store;
    const a = await s.claim('relay-a', now, 10_000, 1);
    assert.deepEqual(bodies(a), ['k1']);
    const b = await s.claim('relay-b', now, 10_000, 10);
    assert.deepEqual(bodies(b), ['j1', 'j2']);
    assert.deepEqual(await s.claim('relay-c', now, 10_000, 10), []);
    await s.release('relay-a', [a[0]?.seq as number], now + 5000, 'refused');
    assert.deepEqual(await s.claim('relay-c', now, 10_000, 10), []);
    now += 5000;
    assert.deepEqual(bodies(await s.claim('relay-c', now, 10_000, 10)), ['k1', 'k2', 'k3']);
    await pool.end();
  });

  test('two relays on their own pools deliver every row exactly once, in order per key', async (t) => {
    if (!server) return t.skip(postgresSkipReason);
    await using b = await testBroker();
    await b.broker.createQueue('shared');
    const sentIds: string[] = [];
    const broker = watched(b.broker, sentIds);
    const pool = await freshPool();
    const other = new pg.Pool({ connectionString: (pool.options as { connectionString: string }).connectionString, max: 8 });
    const outboxes = [await PostgresOutbox.open(pool, { clock: b.clock, logger: memoryLogger() }), await PostgresOutbox.open(other, { clock: b.clock, logger: memoryLogger() })];
    const sent = new Collector<SentEvent>();
    const perRelay = [0, 0];
    const relays = outboxes.map((o, n) =>
      o.relay(broker, {
        batchSize: 10,
        logger: memoryLogger(),
        onSent: (e) => {
          perRelay[n] = (perRelay[n] ?? 0) + e.messages.length;
          sent.push(e);
        },
      }),
    );
    for (let i = 0; i < 20; i++) {
      await inTransaction(pool, (c) => outboxes[0]?.addBatch(c, Array.from({ length: 20 }, (_, j) => ({ queue: 'shared', body: i * 20 + j, key: `k${(i * 20 + j) % 40}` }))) as Promise<string[]>);
    }
    await sent.until((events) => events.reduce((n, e) => n + e.messages.length, 0) >= 400);
    await Promise.all(relays.map((r) => r.close()));
    assert.equal(sentIds.length, 400, 'no row was sent twice');
    assert.equal(new Set(sentIds).size, 400);
    assert.ok(perRelay.every((n) => n > 0), `both relays took part: ${perRelay.join(', ')}`);
    const delivered = await peekAll(b.broker, 'shared');
    for (let k = 0; k < 40; k++) {
      const seq = delivered.filter((m) => m.key === `k${k}`).map((m) => m.body as number);
      assert.deepEqual(seq, [...seq].sort((x, y) => x - y), `key k${k} in order`);
    }
    assert.equal((await outboxes[0]?.stats())?.pending, 0);
    await other.end();
    await pool.end();
  });

  test('rows sent but never marked (a relay killed in between) go out again with the same ids', async (t) => {
    if (!server) return t.skip(postgresSkipReason);
    await using b = await testBroker();
    await b.broker.createQueue('q');
    const pool = await freshPool();
    const outbox = await PostgresOutbox.open(pool, { clock: b.clock, logger: memoryLogger() });
    await inTransaction(pool, (c) => outbox.addBatch(c, [{ queue: 'q', body: 1 }, { queue: 'q', body: 2 }]));
    const s = outbox.store;
    const attempted = new Collector<number>();
    const dying: OutboxStore = {
      kind: s.kind,
      retainSentMs: 0,
      claim: (...args) => s.claim(...args),
      markSent: () => (attempted.push(1), Promise.reject(new Error('killed'))),
      release: (...args) => s.release(...args),
      stats: (now) => s.stats(now),
      cleanup: (...args) => s.cleanup(...args),
      watch: async () => async () => undefined,
    };
    const first = new OutboxRelay(dying, b.broker, { leaseMs: 5000, logger: memoryLogger() });
    await attempted.until((x) => x.length === 1);
    await first.close();
    assert.equal((await outbox.stats()).pending, 2);
    const sent = new Collector<SentEvent>();
    const relay = outbox.relay(b.broker, { leaseMs: 5000, sweepIntervalMs: 1000, logger: memoryLogger(), onSent: (e) => sent.push(e) });
    await b.clock.advance(5000);
    await sent.until((e) => e.length === 1);
    const ids = (await peekAll(b.broker, 'q')).map((m) => m.id);
    assert.equal(ids.length, 4);
    assert.equal(new Set(ids).size, 2);
    await relay.close();
    await pool.end();
  });

  test('a dropped LISTEN connection is re-established and catches up', async (t) => {
    if (!server) return t.skip(postgresSkipReason);
    await using b = await testBroker();
    await b.broker.createQueue('q');
    const pool = await freshPool();
    pool.on('error', () => undefined); // the terminated connection reports here too
    const warnings = new Collector<string>();
    const logger = memoryLogger([], (l) => warnings.push(l.msg));
    const outbox = await PostgresOutbox.open(pool, { clock: b.clock, logger });
    const sent = new Collector<SentEvent>();
    const relay = outbox.relay(b.broker, { sweepIntervalMs: 3_600_000, logger: memoryLogger(), onSent: (e) => sent.push(e) });
    await inTransaction(pool, (c) => outbox.add(c, { queue: 'q', body: 'before' }));
    await sent.until((e) => e.length === 1);
    await pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()");
    await warnings.until((m) => m.some((x) => x.includes('LISTEN connection failed')));
    await inTransaction(pool, (c) => outbox.add(c, { queue: 'q', body: 'while down' }));
    await b.clock.advance(1000); // the reconnect delay; the sweep is an hour away
    await sent.until((e) => e.length === 2);
    assert.deepEqual((await peekAll(b.broker, 'q')).map((m) => m.body), ['before', 'while down']);
    await relay.close();
    await pool.end();
  });
});
