import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Consumer } from '@switchyard/consumer';
import pg from 'pg';
import { postgresSkipReason, startPostgres } from '../../../../tests/support/postgres.js';
import { Collector, memoryLogger, testBroker } from '../testing/harness.js';
import { PostgresInbox } from './inbox.js';

const server = await startPostgres();
after(() => server?.stop());

let dbCount = 0;
async function freshPool(): Promise<pg.Pool> {
  const url = await (server as NonNullable<typeof server>).createDatabase(`inbox_${process.pid}_${dbCount++}`);
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  pool.on('error', () => undefined); // connections ended by the server's shutdown after a failed test
  await pool.query('CREATE TABLE invoices (id SERIAL PRIMARY KEY, order_id TEXT NOT NULL)');
  return pool;
}

const invoices = async (pool: pg.Pool) => (await pool.query<{ order_id: string }>('SELECT order_id FROM invoices ORDER BY id')).rows.map((r) => r.order_id);

describe('PostgresInbox', { timeout: 60_000 }, () => {
  test('redeliveries, even concurrent ones, run the work once and are all acked', async (t) => {
    if (!server) return t.skip(postgresSkipReason);
    await using b = await testBroker();
    const q = await b.broker.createQueue('orders');
    const pool = await freshPool();
    const inbox = await PostgresInbox.open(pool, { name: 'billing', clock: b.clock });
    const settled = new Collector<string>();
    let runs = 0;
    const consumer = new Consumer({
      broker: b.broker,
      queue: 'orders',
      concurrency: 4,
      logger: memoryLogger(),
      middleware: [
        (next) => async (m, ctx) => {
          await next(m, ctx);
          settled.push(m.id);
        },
      ],
      handler: inbox.handler<{ orderId: string }>(async (m, client) => {
        runs++;
        await client.query('INSERT INTO invoices (order_id) VALUES ($1)', [m.body.orderId]);
        await client.query('SELECT pg_sleep(0.02)'); // hold the transaction open while the copies arrive
      }),
    });
    // Four copies of one message at once (a relay that resent it), and another message.
    await q.sendBatch([...Array.from({ length: 4 }, () => ({ id: 'msg-A', body: { orderId: 'A' } })), { id: 'msg-B', body: { orderId: 'B' } }]);
    await settled.until((ids) => ids.length === 5);
    assert.equal(runs, 2);
    assert.deepEqual((await invoices(pool)).sort(), ['A', 'B']);
    assert.equal(await inbox.has('msg-A'), true);
    await consumer.close();
    assert.equal((await q.stats()).ready + (await q.stats()).leased, 0);
    await inbox.close();
    await pool.end();
  });

  test('failed work records nothing and rolls its writes back', async (t) => {
    if (!server) return t.skip(postgresSkipReason);
    await using b = await testBroker();
    const pool = await freshPool();
    await using inbox = await PostgresInbox.open(pool, { clock: b.clock });
    await assert.rejects(
      inbox.process({ id: 'm1' }, async (c) => {
        await c.query('INSERT INTO invoices (order_id) VALUES ($1)', ['A']);
        throw new Error('tax service down');
      }),
      /tax service down/,
    );
    assert.deepEqual(await invoices(pool), []);
    assert.equal(await inbox.has('m1'), false);
    assert.deepEqual(await inbox.process({ id: 'm1' }, async (c) => (await c.query('INSERT INTO invoices (order_id) VALUES ($1)', ['A'])).rowCount), { status: 'processed', result: 1 });
    assert.deepEqual(await inbox.process({ id: 'm1' }, () => assert.fail('must not run')), { status: 'duplicate' });
    await pool.end();
  });

  test('processed ids expire after the retention', async (t) => {
    if (!server) return t.skip(postgresSkipReason);
    await using b = await testBroker();
    const pool = await freshPool();
    const inbox = await PostgresInbox.open(pool, { retentionMs: 60_000, cleanupIntervalMs: 3_600_000, clock: b.clock });
    await inbox.process({ id: 'm1' }, async () => undefined);
    await b.clock.advance(60_000);
    assert.equal(await inbox.cleanup(), 0, 'kept for the whole retention');
    await b.clock.advance(1);
    assert.equal(await inbox.cleanup(), 1);
    assert.equal(await inbox.has('m1'), false);
    await inbox.close();
    await pool.end();
  });
});
