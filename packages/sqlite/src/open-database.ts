import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import type { ResolvedSqliteOptions } from './options.js';
import { migrate } from './schema.js';

/** Opens the file (WAL, the chosen synchronous level, a busy timeout) and migrates it. */
export function openDatabase(o: ResolvedSqliteOptions): Db {
  const db = new Database(o.path, { timeout: o.busyTimeoutMs });
  try {
    if (o.path !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${o.durability === 'fsync' ? 'FULL' : 'NORMAL'}`);
    // Bigger pages cache and memory-mapped reads help the hot indexes without growing with depth.
    db.pragma('cache_size = -16000');
    db.pragma('temp_store = MEMORY');
    db.pragma('wal_autocheckpoint = 10000');
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
