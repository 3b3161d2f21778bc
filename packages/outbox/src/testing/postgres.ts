/**
 * PostgreSQL helpers for the tests (not part of the package's build): a fresh database per
 * call on the throwaway server of tests/support/postgres.ts, and a transaction around a function.
 */
import pg from 'pg';
import type { PostgresServer } from '../../../../tests/support/postgres.js';

let count = 0;

/** A pool on a new, empty database; `setup` runs on it first (e.g. the test's business tables). */
export async function freshPool(server: PostgresServer, prefix: string, setup = ''): Promise<pg.Pool> {
  const url = await server.createDatabase(`${prefix}_${process.pid}_${count++}`);
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  pool.on('error', () => undefined); // connections ended by the server's shutdown after a failed test
  if (setup) await pool.query(setup);
  return pool;
}

/** Runs `fn` on a pooled client inside BEGIN … COMMIT, rolling back if it throws. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

/** A client with an open transaction, for tests that interleave several by hand. */
export async function begin(pool: pg.Pool, statement = 'BEGIN'): Promise<pg.PoolClient & { pid: number }> {
  const client = await pool.connect();
  await client.query(statement);
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return Object.assign(client, { pid: rows[0]?.pid as number });
}

/** Whether backend `pid` is waiting for a lock right now. */
export async function waitingForLock(pool: pg.Pool, pid: number): Promise<boolean> {
  const { rows } = await pool.query<{ waiting: boolean }>(`SELECT wait_event_type = 'Lock' AS waiting FROM pg_stat_activity WHERE pid = $1`, [pid]);
  return rows[0]?.waiting === true;
}
