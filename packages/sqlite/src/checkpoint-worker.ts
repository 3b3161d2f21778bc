/**
 * The checkpointer's thread (see checkpointer.ts). Its own connection to the file; blocked until
 * the engine reports a commit, then, after `gatherMs` in which more commits land, one PASSIVE
 * checkpoint: it copies the WAL's frames into the database file (syncing the WAL first and the
 * file after, as SQLite's own checkpoints do) without ever blocking the engine's writes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { Slot, type CheckpointWorkerData } from './checkpoint-slots.js';

const { path, busyTimeoutMs, gatherMs, signal } = workerData as CheckpointWorkerData;
const closing = () => Atomics.load(signal, Slot.Closing) !== 0;

try {
  const db = new Database(path, { timeout: busyTimeoutMs, fileMustExist: true });
  try {
    db.pragma('synchronous = NORMAL');
    // From 0, not the current count: commits made while the thread started are checkpointed too.
    let seen = 0;
    while (!closing()) {
      Atomics.wait(signal, Slot.Commits, seen);
      if (closing()) break;
      Atomics.wait(signal, Slot.Closing, 0, gatherMs);
      if (closing()) break;
      seen = Atomics.load(signal, Slot.Commits);
      db.pragma('wal_checkpoint(PASSIVE)');
      Atomics.add(signal, Slot.Checkpoints, 1);
    }
  } finally {
    db.close();
  }
} catch (err) {
  parentPort?.postMessage({ failed: err instanceof Error ? err.message : String(err) });
}
