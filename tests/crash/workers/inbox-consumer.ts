// Consumes orders through the transactional inbox: the handler's write (one row in `handled`
// per run of the business logic) and the processed-id record commit together. Logs each
// delivery; prints "ready" once consuming. The broker kills this process now and then right
// before an ack, after the handler's transaction committed.
// Usage: inbox-consumer.ts <sqlite|postgres> <app db file | url> <broker file> <log> [no-kill]
import { Consumer, type Handler } from '@switchyard/consumer';
import { openBroker } from '@switchyard/sqlite';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PostgresInbox, SqliteInbox } from '@switchyard/outbox';
import { withKillSwitch } from './kill-switch.js';
import { openLog } from './log.js';
import { stderrLogger } from './stderr-logger.js';

const [kind, app, brokerPath, logPath, mode] = process.argv.slice(2) as [string, string, string, string, string | undefined];
const log = openLog(logPath);
const logger = stderrLogger({ worker: 'inbox-consumer' });
const base = await openBroker({ path: brokerPath, durability: 'relaxed' });
const broker = mode === 'no-kill' ? base : withKillSwitch(base, { beforeRemove: 0.03, onDeath: (what) => log.write(what) });

let handler: Handler;
if (kind === 'sqlite') {
  const db = new Database(app, { timeout: 10_000 });
  db.pragma('journal_mode = WAL');
  const inbox = new SqliteInbox(db, { name: 'billing' });
  const insert = db.prepare('INSERT INTO handled (message_id, pid) VALUES (?, ?)');
  handler = inbox.handler((m) => void insert.run(m.id, process.pid));
} else {
  const pool = new pg.Pool({ connectionString: app, max: 10 });
  const inbox = await PostgresInbox.open(pool, { name: 'billing' });
  handler = inbox.handler(async (m, client) => void (await client.query('INSERT INTO handled (message_id, pid) VALUES ($1, $2)', [m.id, process.pid])));
}

const consumer = new Consumer({
  broker,
  queue: 'orders',
  concurrency: 8,
  prefetch: 8,
  visibilityMs: 1000,
  waitMs: 200,
  logger,
  middleware: [(next) => (m, ctx) => (log.write(`recv ${m.id} ${m.attempt}`), next(m, ctx))],
  handler,
});
process.stdout.write('ready\n');
if (mode === 'no-kill') {
  // The final drain: stop once the queue has been empty (nothing ready, leased or delayed) for a moment.
  const q = base.queue('orders');
  for (let idle = 0; idle < 3; ) {
    await new Promise((r) => setTimeout(r, 300));
    const s = await q.stats();
    idle = s.ready + s.leased + s.delayed === 0 && consumer.inFlight === 0 ? idle + 1 : 0;
  }
  await consumer.close();
  await base.close();
  process.exit(0);
}
