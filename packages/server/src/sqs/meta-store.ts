import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';

/**
 * What SQS keeps about a queue that the engine does not: tags, and the attributes that only
 * matter to SQS clients (ReceiveMessageWaitTimeSeconds, MaximumMessageSize,
 * ContentBasedDeduplication, RedriveAllowPolicy, Policy, KMS settings, …), stored verbatim.
 * It lives in its own small SQLite file beside the broker's, keyed by queue name and the
 * queue's creation time, so a queue deleted and made again elsewhere starts clean.
 */
export interface QueueMeta {
  createdAt: number;
  attributes: Record<string, string>;
  tags: Record<string, string>;
  lastModified: number;
}

export class MetaStore {
  readonly #db: Db;

  constructor(path = ':memory:') {
    this.#db = new Database(path);
    if (path !== ':memory:') this.#db.pragma('journal_mode = WAL');
    this.#db.exec(`CREATE TABLE IF NOT EXISTS sqs_queue_meta (
      name TEXT PRIMARY KEY, created_at INTEGER NOT NULL, attributes TEXT NOT NULL, tags TEXT NOT NULL, last_modified INTEGER NOT NULL
    )`);
  }

  /** The metadata for the queue created at `createdAt`, or a fresh record when none matches. */
  get(name: string, createdAt: number): QueueMeta {
    const row = this.#db.prepare('SELECT * FROM sqs_queue_meta WHERE name = ?').get(name) as
      | { created_at: number; attributes: string; tags: string; last_modified: number }
      | undefined;
    if (!row || row.created_at !== createdAt) return { createdAt, attributes: {}, tags: {}, lastModified: createdAt };
    return { createdAt, attributes: JSON.parse(row.attributes) as Record<string, string>, tags: JSON.parse(row.tags) as Record<string, string>, lastModified: row.last_modified };
  }

  put(name: string, meta: QueueMeta): void {
    this.#db
      .prepare('INSERT OR REPLACE INTO sqs_queue_meta (name, created_at, attributes, tags, last_modified) VALUES (?, ?, ?, ?, ?)')
      .run(name, meta.createdAt, JSON.stringify(meta.attributes), JSON.stringify(meta.tags), meta.lastModified);
  }

  delete(name: string): void {
    this.#db.prepare('DELETE FROM sqs_queue_meta WHERE name = ?').run(name);
  }

  close(): void {
    this.#db.close();
  }
}
