/**
 * Experiment (issue 2): the SQL of the e2e path on a worker thread, with lean statements. See
 * proxy-engine.ts. Not the engine: no FIFO, delays, DLQ, expiry or long-poll logic here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../../packages/sqlite/dist/open-database.js';
import { resolveSqliteOptions } from '../../packages/sqlite/dist/options.js';
import { WalSync } from '../../packages/sqlite/dist/wal-sync.js';
import type { Batch, Committed, Durable } from './protocol.js';

const port = parentPort!;
const o = resolveSqliteOptions({ path: workerData.path as string });
const { db } = openDatabase(o);
const sync = new WalSync(o.path);
db.prepare("INSERT OR IGNORE INTO queues (name, fifo, visibility_ms, delay_ms, retention_ms, dedup_window_ms, created_at) VALUES ('q', 0, 60000, 0, 1e12, 300000, 0)").run();
const lean = process.env.PROTO_FULL !== '1';
const insert = db.prepare(`INSERT INTO messages (queue_id, id, type, body_kind, headers, key, dedup_id, ts, enqueued_at, available_at, visible_at, expires_at, fifo_group)
  VALUES (1, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?, ?, NULL)`);
const insertBody = db.prepare('INSERT INTO bodies (seq, body) VALUES (last_insert_rowid(), ?)');
const take = db.prepare(`UPDATE messages SET lease = ?, visible_at = ?, receives = receives + 1, first_received_at = coalesce(first_received_at, ?)
  WHERE seq IN (SELECT seq FROM messages WHERE queue_id = 1 AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?)
  RETURNING seq, receives${lean ? '' : ', id, type, body_kind, ts, headers, (SELECT body FROM bodies WHERE bodies.seq = messages.seq) AS body'}`);
take.raw(true);
const content = db.prepare('SELECT m.id, m.type, m.body_kind, m.ts, m.headers, b.body FROM messages m JOIN bodies b ON b.seq = m.seq WHERE m.seq = ?').raw(true);
const remove = db.prepare('DELETE FROM messages WHERE seq = ? AND lease = ? AND visible_at > ?');
const begin = db.prepare('BEGIN IMMEDIATE');
const commit = db.prepare('COMMIT');

/** Contents of sent messages until first leased; keeps the oldest when full (the consumer reads oldest first). */
const cache = new Map<number, Content>();
type Content = [id: string, type: string, kind: number, ts: number, headers: string | null, body: Uint8Array];
const cacheMax = Number(process.env.PROTO_CACHE ?? 65536);
let nextLease = Math.floor(Math.random() * 1e9);

let pending: Batch[] = [];
port.on('message', (b: Batch) => {
  if (pending.length === 0) setImmediate(run);
  pending.push(b);
});

let busyNs = 0;
let leasedTotal = 0;
let runs = 0;
function run(): void {
  const t0 = process.hrtime.bigint();
  try {
    runInner();
  } finally {
    busyNs += Number(process.hrtime.bigint() - t0);
    if (process.env.PROTO_ELU && ++runs % 500 === 0) console.error('worker busy us/leased', (busyNs / 1000 / leasedTotal).toFixed(2), 'leased', leasedTotal, 'per run', (leasedTotal / runs).toFixed(1));
  }
}

function runInner(): void {
  const batches = pending;
  pending = [];
  const now = Date.now();
  const sent: number[][] = [];
  const leased: Committed['leases'] = [];
  const acked: number[] = [];
  const out: Uint8Array[] = [];
  begin.run();
  for (const b of batches) {
    let off = 0;
    const bodies = new Uint8Array(b.bodies);
    for (const s of b.sends) {
      const seqs: number[] = [];
      for (let i = 0; i < s.ids.length; i++) {
        const len = s.lens[i] as number;
        const body = Buffer.from(bodies.buffer, off, len);
        off += len;
        const seq = Number(insert.run(s.ids[i], s.types[i], s.kinds[i], s.headers[i], s.ts[i], now, now, now, now + 1e12).lastInsertRowid);
        insertBody.run(body);
        if (lean && cache.size < cacheMax) cache.set(seq, [s.ids[i] as string, s.types[i] as string, s.kinds[i] as number, s.ts[i] as number, s.headers[i] ?? null, body]);
        seqs.push(seq);
      }
      sent.push([s.token, ...seqs]);
    }
    for (const a of b.acks) {
      remove.run(a.seq, a.lease, now);
      acked.push(a.token);
    }
    for (const l of b.leases) {
      const lease = ++nextLease;
      const rows = take.all(lease, now + l.visibilityMs, now, now, l.max) as unknown[][];
      const r: Committed['leases'][number] = { token: l.token, lease, seqs: [], receives: [], ids: [], types: [], kinds: [], ts: [], headers: [], lens: [] };
      for (const row of rows) {
        const seq = row[0] as number;
        const c = lean ? (cache.get(seq) ?? (content.get(seq) as Content)) : (row.slice(2) as Content);
        if (lean) cache.delete(seq);
        r.seqs.push(seq);
        r.receives.push(row[1] as number);
        r.ids.push(c[0]);
        r.types.push(c[1]);
        r.kinds.push(c[2]);
        r.ts.push(c[3]);
        r.headers.push(c[4]);
        r.lens.push(c[5].byteLength);
        out.push(c[5]);
      }
      leasedTotal += rows.length;
      leased.push(r);
    }
  }
  commit.run();
  const total = out.reduce((n, b) => n + b.byteLength, 0);
  const packed = new Uint8Array(total);
  let at = 0;
  for (const b of out) {
    packed.set(b, at);
    at += b.byteLength;
  }
  const committed: Committed = { kind: 'committed', stored: sent.reduce((n, x) => n + x.length - 1, 0), leases: leased, bodies: packed.buffer };
  port.postMessage(committed, [packed.buffer]);
  sync.afterCommit((err) => {
    if (err) throw err;
    const durable: Durable = { kind: 'durable', sent, acked };
    port.postMessage(durable);
  });
}
