import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import type { ResolvedSqliteOptions } from './options.js';
import { migrate } from './schema.js';

/** The engine's own checkpoint threshold, in pages, while it checkpoints by itself. */
export const ownCheckpointPages = 2000;

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
    const wal = o.path !== ':memory:' && db.pragma('journal_mode = WAL', { simple: true }) === 'wal';
    // `fsync` on a WAL file: SQLite commits without syncing and WalSync flushes the WAL on the
    // thread pool before durable writes resolve, the guarantee of synchronous=FULL. Anywhere
    // else (`:memory:`, or a file that could not switch to WAL) SQLite syncs on its own.
    const syncWalInBackground = wal && o.durability === 'fsync';
    db.pragma(`synchronous = ${o.durability === 'fsync' && !syncWalInBackground ? 'FULL' : 'NORMAL'}`);
    // Bigger pages cache and memory-mapped reads help the hot indexes without growing with depth.
    db.pragma('cache_size = -16000');
    db.pragma('temp_store = MEMORY');
    // A checkpoint runs inside the commit that crosses the threshold and stalls it while it copies
    // the WAL into the file: 2,000 pages (8 MiB) keeps that stall to a few milliseconds. Once
    // checkpoints run on a thread of their own (background-checkpoints.ts) it is only a backstop.
    db.pragma(`wal_autocheckpoint = ${ownCheckpointPages}`);
    migrate(db);
    return { db, wal, syncWalInBackground };
  } catch (err) {
    db.close();
    throw err;
  }
}
