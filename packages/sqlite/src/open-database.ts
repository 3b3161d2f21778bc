import { BusyError } from '@switchyard/core';
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { isBusy } from './busy.js';
import type { ResolvedSqliteOptions } from './options.js';
import { migrate } from './schema.js';

/** The engine's own checkpoint threshold while it checkpoints by itself: 8 MiB of WAL. */
export const ownCheckpointBytes = 8 * 1024 * 1024;
/** The page size a new database file gets. */
export const newFilePageSize = 8192;

/** `wal_autocheckpoint` (in pages) for a threshold in bytes. */
export function setCheckpointThreshold(db: Db, bytes: number): void {
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.pragma(`wal_autocheckpoint = ${Math.max(1, Math.round(bytes / pageSize))}`);
}

export interface OpenedDatabase {
  db: Db;
  /** True when the file is in WAL mode (not `:memory:`, and the switch succeeded). */
  wal: boolean;
  /**
   * True when commits are not fsynced by SQLite and the caller must sync the WAL itself before a
   * durable write resolves (the `fsync` setting on a file in WAL mode; see WalSync).
   */
  syncWalInBackground: boolean;
}

/** Opens the file (WAL, the chosen synchronous level, a busy timeout) and migrates it. */
export function openDatabase(o: ResolvedSqliteOptions): OpenedDatabase {
  const db = new Database(o.path, { timeout: o.busyTimeoutMs });
  try {
    // 8 KiB pages for a new file (an existing one keeps its own): half the WAL frames, each
    // written with two syscalls, for the same bytes. With 1 KiB messages: e2e +9%, backlog drain
    // +5%, fill +16%, and no loss with 100-byte ones (BENCHMARKS.md, seventh session).
    db.pragma(`page_size = ${newFilePageSize}`);
    const wal = o.path !== ':memory:' && db.pragma('journal_mode = WAL', { simple: true }) === 'wal';
    // `fsync` on a WAL file: SQLite commits without syncing and WalSync flushes the WAL on the
    // thread pool before durable writes resolve, the guarantee of synchronous=FULL. Anywhere
    // else (`:memory:`, or a file that could not switch to WAL) SQLite syncs on its own.
    const syncWalInBackground = wal && o.durability === 'fsync';
    db.pragma(`synchronous = ${o.durability === 'fsync' && !syncWalInBackground ? 'FULL' : 'NORMAL'}`);
    // A bigger page cache helps the hot indexes without growing with queue depth.
    db.pragma('cache_size = -16000');
    db.pragma('temp_store = MEMORY');
    // A checkpoint runs inside the commit that crosses the threshold and stalls it while it copies
    // the WAL into the file: 8 MiB keeps that stall to a few milliseconds. Once checkpoints run on
    // a thread of their own (background-checkpoints.ts) it is only a backstop.
    setCheckpointThreshold(db, ownCheckpointBytes);
    migrate(db);
    return { db, wal, syncWalInBackground };
  } catch (err) {
    db.close();
    if (isBusy(err)) throw new BusyError(`database ${o.path}`, { cause: err });
    throw err;
  }
}
