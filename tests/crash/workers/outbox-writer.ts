// Writes orders, each with its order.created message through the outbox, as fast as it can,
// while a relay in the same process delivers them; prints "ready" once writing starts.
// The broker kills this process now and then right after a send and before the mark.
// Usage: outbox-writer.ts <sqlite|postgres> <app db file | url> <broker file> <log> <tag>
import { openBroker } from '@switchyard/sqlite';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PostgresOutbox, SqliteOutbox, type OutboxMessage } from '@switchyard/outbox';
import { withKillSwitch } from './kill-switch.js';
import { openLog } from './log.js';
import { stderrLogger } from './stderr-logger.js';

const [kind, app, brokerPath, logPath, tag] = process.argv.slice(2) as [string, string, string, string, string];
const log = openLog(logPath);
const logger = stderrLogger({ worker: 'outbox-writer' });
const broker = withKillSwitch(await openBroker({ path: brokerPath, durability: 'relaxed' }), { afterEnqueue: 0.02, onDeath: (what) => log.write(what) });
const relayOptions = { batchSize: 1 + Math.floor(Math.random() * 40), leaseMs: 1500, sweepIntervalMs: 100, logger };
const message = (orderId: string, i: number): OutboxMessage => ({ queue: 'orders', type: 'order.created', body: { orderId }, key: `customer-${i % 7}` });

let write: (orderId: string, i: number) => Promise<void>;
if (kind === 'sqlite') {
  const db = new Database(app, { timeout: 10_000 });
  db.pragma('journal_mode = WAL');
  const outbox = new SqliteOutbox(db);
  outbox.relay(broker, relayOptions);
  const insert = db.prepare('INSERT INTO orders (id) VALUES (?)');
  const place = db.transaction((orderId: string, i: number) => {
    insert.run(orderId);
    outbox.add(message(orderId, i));
  });
  write = async (orderId, i) => place(orderId, i);
} else {
  const pool = new pg.Pool({ connectionString: app, max: 4 });
  const outbox = await PostgresOutbox.open(pool, { logger });
  outbox.relay(broker, relayOptions);
  write = async (orderId, i) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO orders (id) VALUES ($1)', [orderId]);
      await outbox.add(client, message(orderId, i));
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  };
}

process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  await write(`${tag}-${i}`, i);
  await new Promise((r) => setTimeout(r, 1));
}
