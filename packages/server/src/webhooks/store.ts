import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import type { FilterPolicy } from '@switchyard/core';

export type WebhookStatus = 'pending' | 'confirmed';

export interface Webhook {
  id: string;
  topic: string;
  url: string;
  filter: FilterPolicy | null;
  /** HMAC-SHA256 key for the signature header. */
  secret: string;
  /** Deliveries tried before the message goes to the webhook's dead-letter queue. */
  maxAttempts: number;
  status: WebhookStatus;
  /** Proves the endpoint got the confirmation request. */
  token: string;
  /** The queue that buffers this webhook's messages, and its dead-letter queue. */
  queue: string;
  deadLetterQueue: string;
  createdAt: number;
}

/** Webhook subscriptions, kept beside the broker's file so a restart resumes delivery. */
export class WebhookStore {
  readonly #db: Db;

  constructor(path = ':memory:') {
    this.#db = new Database(path);
    if (path !== ':memory:') this.#db.pragma('journal_mode = WAL');
    this.#db.exec(`CREATE TABLE IF NOT EXISTS webhooks (id TEXT PRIMARY KEY, topic TEXT NOT NULL, record TEXT NOT NULL)`);
  }

  put(w: Webhook): void {
    this.#db.prepare('INSERT OR REPLACE INTO webhooks (id, topic, record) VALUES (?, ?, ?)').run(w.id, w.topic, JSON.stringify(w));
  }

  get(id: string): Webhook | undefined {
    const row = this.#db.prepare('SELECT record FROM webhooks WHERE id = ?').pluck().get(id) as string | undefined;
    return row === undefined ? undefined : (JSON.parse(row) as Webhook);
  }

  byToken(token: string): Webhook | undefined {
    return this.all().find((w) => w.token === token);
  }

  list(topic: string): Webhook[] {
    return (this.#db.prepare('SELECT record FROM webhooks WHERE topic = ? ORDER BY id').pluck().all(topic) as string[]).map((r) => JSON.parse(r) as Webhook);
  }

  all(): Webhook[] {
    return (this.#db.prepare('SELECT record FROM webhooks ORDER BY id').pluck().all() as string[]).map((r) => JSON.parse(r) as Webhook);
  }

  delete(id: string): void {
    this.#db.prepare('DELETE FROM webhooks WHERE id = ?').run(id);
  }

  close(): void {
    this.#db.close();
  }
}
