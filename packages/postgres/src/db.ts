import { ClosedError, isSwitchyardError, type Clock } from '@switchyard/core';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { migrate } from './schema.js';
import type { Waiters } from '@switchyard/core';

/** bigint columns as numbers: every one holds an epoch-ms time, a count or a seq below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** One transaction: its client, the clock's time when it began, and what to do after commit. */
export interface Tx {
  readonly c: pg.PoolClient;
  readonly now: number;
  /**
   * Wakes local waiters on `queue` (a queue's name, or another waiter key such as a stream's)
   * after commit, and (by NOTIFY) those of other processes.
   */
  announce(queue: string, n?: number): void;
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
}

/**
 * The connection pool, transactions, and wake-ups. A consumer that found nothing waits on
 * `Waiters`; commits in this process wake it directly, commits in other processes through a
 * NOTIFY on the schema's channel, which a dedicated LISTEN connection turns into the same wake-up.
 * The LISTEN connection reconnects after the server restarts and then wakes every waiter, since
 * notifications sent while it was away are lost.
 */
export class Db {
  readonly pool: pg.Pool;
  readonly channel: string;
  readonly #schema: string;
  readonly #clock: Clock;
  readonly #waiters: Waiters;
  /** Marks this engine's own NOTIFYs, which its commits have already turned into wake-ups. */
  readonly #origin = randomUUID();
  #listener: pg.Client | undefined;
  #closed = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #inFlight = 0;

  constructor(url: string, schema: string, poolSize: number, clock: Clock, waiters: Waiters) {
    this.#schema = schema;
    this.#clock = clock;
    this.#waiters = waiters;
    this.channel = `switchyard_${schema}`;
    this.pool = new pg.Pool({ connectionString: url, max: poolSize, types, options: `-c search_path=${schema}` });
    // An idle client that loses its connection (server restart) is dropped by the pool; without a
    // listener the error would crash the process.
    this.pool.on('error', () => undefined);
  }

  async open(): Promise<void> {
    const c = await this.pool.connect();
    try {
      await migrate(c, this.#schema);
    } finally {
      c.release();
    }
    await this.#listen();
  }

  async #listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.pool.options.connectionString, types });
    client.on('error', () => this.#relisten(client));
    client.on('end', () => this.#relisten(client));
    client.on('notification', (n) => {
      const at = n.payload?.indexOf(':') ?? -1;
      if (n.payload && at > 0 && n.payload.slice(0, at) !== this.#origin) this.#waiters.notify(n.payload.slice(at + 1));
    });
    await client.connect();
    await client.query(`LISTEN ${this.channel}`);
    this.#listener = client;
  }

  #relisten(client: pg.Client): void {
    if (this.#closed || this.#listener !== client) return;
    this.#listener = undefined;
    client.end().catch(() => undefined);
    const attempt = () => {
      this.#retry = undefined;
      if (this.#closed) return;
      this.#listen().then(
        () => this.#waiters.notifyAll(),
        () => (this.#retry = setTimeout(attempt, 200)),
      );
    };
    attempt();
  }

  /**
   * Runs `fn` in a transaction; rolls back when it throws. READ COMMITTED by default;
   * `snapshot` makes it REPEATABLE READ READ ONLY: every statement sees the one snapshot taken at
   * the first, for reads made of several statements that must agree with each other.
   */
  async tx<T>(fn: (tx: Tx) => Promise<T>, mode: 'write' | 'snapshot' = 'write'): Promise<T> {
    if (this.#closed) throw new ClosedError();
    this.#inFlight++;
    try {
      return await this.#run(fn, mode === 'snapshot' ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
    } finally {
      this.#inFlight--;
    }
  }

  /**
   * Runs one statement on its own (autocommit: atomic by itself, one round trip). For the hot
   * paths whose whole state change fits in a statement; `wake` lists queues to wake locally
   * after it commits (the statement itself sends the NOTIFY for other processes).
   */
  async statement<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    if (this.#closed) throw new ClosedError();
    this.#inFlight++;
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } finally {
      this.#inFlight--;
    }
  }

  /** The NOTIFY payload for `queue`, marked as this engine's. */
  payload(queue: string): string {
    return `${this.#origin}:${queue}`;
  }

  /** Transactions running now (waiting for a connection included). */
  get inFlight(): number {
    return this.#inFlight;
  }

  async #run<T>(fn: (tx: Tx) => Promise<T>, begin: string): Promise<T> {
    const c = await this.pool.connect();
    // A connection lost mid-transaction (server restart) is reported both as the query's
    // rejection and as an 'error' event; the rejection is handled below, the event must not crash.
    const ignore = () => undefined;
    c.on('error', ignore);
    const wake: [string, number | undefined][] = [];
    const tx: Tx = {
      c,
      now: this.#clock.now(),
      announce: (queue, n) => void wake.push([queue, n]),
      query: async (text, values) => (await c.query(text, values)).rows,
    };
    let broken: Error | undefined;
    try {
      await c.query(begin);
      const result = await fn(tx);
      if (wake.length > 0) await c.query('SELECT pg_notify($1, $2 || q) FROM unnest($3::text[]) q', [this.channel, `${this.#origin}:`, [...new Set(wake.map((w) => w[0]))]]);
      await c.query('COMMIT');
      for (const [queue, n] of wake) this.#waiters.notify(queue, n);
      return result;
    } catch (err) {
      // A typed error is a refusal: roll back and keep the connection. Anything else may mean
      // the connection is gone; the pool then discards it.
      if (!isSwitchyardError(err)) broken = err instanceof Error ? err : new Error(String(err));
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.off('error', ignore);
      c.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    const l = this.#listener;
    this.#listener = undefined;
    await l?.end().catch(() => undefined);
    await this.pool.end();
  }
}
