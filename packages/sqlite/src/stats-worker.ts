/**
 * The stats thread (see stats-thread.ts): its own connection to the file, which only reads. Each
 * request counts one queue in a read transaction of its own and answers with the counts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database, { type Statement } from 'better-sqlite3';
import { countQueue } from './counts.js';
import type { StatsRequest, StatsReply, StatsWorkerData } from './stats-thread.js';

const { path, busyTimeoutMs } = workerData as StatsWorkerData;
const port = parentPort;
if (!port) throw new Error('stats-worker.js runs as a worker thread of the SQLite engine');

const db = new Database(path, { timeout: busyTimeoutMs, fileMustExist: true });
const statements = new Map<string, Statement>();
const sql = (text: string): Statement => {
  let s = statements.get(text);
  if (!s) statements.set(text, (s = db.prepare(text)));
  return s;
};
const count = db.transaction((queueId: number, now: number) => countQueue(sql, queueId, now));

port.on('message', (r: StatsRequest) => {
  let reply: StatsReply;
  try {
    reply = { id: r.id, counts: count(r.queueId, r.now) };
  } catch (err) {
    reply = { id: r.id, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
