import type { Database, Statement } from 'better-sqlite3';
import type { DestinationKind, OutboxRecord } from '../outbox-message.js';
import type { ClaimedRow, OutboxStats, OutboxStore } from '../store.js';

interface RawRow {
  seq: number;
  id: string;
  dest_kind: DestinationKind;
  destination: string;
  type: string;
  body_kind: number;
  body: Buffer;
  headers: string;
  msg_key: string | null;
  dedup_id: string | null;
  delay_ms: number | null;
  timestamp: number;
  created_at: number;
  attempts: number;
}

/**
 * The outbox table on a better-sqlite3 handle. Statements are synchronous; each state change is
 * one immediate transaction, taken only while the handle is not inside the user's own
 * transaction (a relay sharing the handle waits for it to end).
 */
export class SqliteOutboxStore implements OutboxStore {
  readonly kind = 'sqlite';
  readonly retainSentMs: number;
  readonly #db: Database;
  readonly #listeners = new Set<() => void>();
  #signalled = false;
  readonly #insert: Statement;
  readonly #claim: Statement;
  readonly #markSent: Statement;
  readonly #deleteSent: Statement;
  readonly #release: Statement;
  readonly #stats: Statement;
  readonly #cleanup: Statement;

  constructor(db: Database, table: string, retainSentMs: number) {
    this.#db = db;
    this.retainSentMs = retainSentMs;
    const t = table;
    this.#insert = db.prepare(`INSERT INTO ${t} (id, dest_kind, destination, type, body_kind, body, headers, msg_key, dedup_id, delay_ms, timestamp, created_at, available_at)
      VALUES (@id, @destKind, @destination, @type, @bodyKind, @body, @headers, @key, @dedupId, @delayMs, @timestamp, @createdAt, @createdAt)`);
    // Bound LIMITs are written inside an expression: a bare `LIMIT @max` makes SQLite redo work on
    // every call (see limitParam in @switchyard/sqlite's rows.ts).
    this.#claim = db.prepare(`UPDATE ${t} SET lease_owner = @owner, lease_until = @until, attempts = attempts + 1
      WHERE seq IN (
        SELECT o.seq FROM ${t} o
        WHERE o.sent_at IS NULL AND o.available_at <= @now AND o.lease_until <= @now
          AND (o.msg_key IS NULL OR NOT EXISTS (
            SELECT 1 FROM ${t} e
            WHERE e.msg_key = o.msg_key AND e.destination = o.destination AND e.dest_kind = o.dest_kind
              AND e.sent_at IS NULL AND e.seq < o.seq AND (e.available_at > @now OR e.lease_until > @now)))
        ORDER BY o.seq LIMIT CAST(@max AS INTEGER))
      RETURNING seq, id, dest_kind, destination, type, body_kind, body, headers, msg_key, dedup_id, delay_ms, timestamp, created_at, attempts`);
    this.#markSent = db.prepare(`UPDATE ${t} SET sent_at = ?, lease_owner = NULL WHERE seq IN (SELECT value FROM json_each(?)) AND sent_at IS NULL`);
    this.#deleteSent = db.prepare(`DELETE FROM ${t} WHERE seq IN (SELECT value FROM json_each(?))`);
    this.#release = db.prepare(`UPDATE ${t} SET lease_owner = NULL, lease_until = 0, available_at = ?, last_error = coalesce(?, last_error)
      WHERE seq IN (SELECT value FROM json_each(?)) AND lease_owner = ? AND sent_at IS NULL`);
    this.#stats = db.prepare(`SELECT count(*) AS pending, min(created_at) AS oldest FROM ${t} WHERE sent_at IS NULL`);
    this.#cleanup = db.prepare(`DELETE FROM ${t} WHERE seq IN (SELECT seq FROM ${t} WHERE sent_at IS NOT NULL AND sent_at < ? LIMIT CAST(? AS INTEGER))`);
  }

  /** Writes rows inside the caller's transaction and schedules a wake-up for after it. */
  insert(records: readonly OutboxRecord[]): void {
    for (const r of records) this.#insert.run({ ...r, body: Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength) });
    this.#signalSoon();
  }

  async claim(owner: string, now: number, leaseMs: number, max: number): Promise<ClaimedRow[]> {
    await this.#idle();
    const rows = this.#relaxed(() => this.#db.transaction(() => this.#claim.all({ owner, until: now + leaseMs, now, max }) as RawRow[]).immediate());
    return rows.map(toClaimed).sort((a, b) => a.seq - b.seq);
  }

  async markSent(seqs: readonly number[], now: number): Promise<void> {
    await this.#idle();
    this.#relaxed(() => (this.retainSentMs > 0 ? this.#markSent.run(now, JSON.stringify(seqs)) : this.#deleteSent.run(JSON.stringify(seqs))));
  }

  async release(owner: string, seqs: readonly number[], availableAt: number, error: string | null): Promise<void> {
    await this.#idle();
    this.#relaxed(() => this.#release.run(availableAt, error, JSON.stringify(seqs), owner));
  }

  async stats(now: number): Promise<OutboxStats> {
    const r = this.#stats.get() as { pending: number; oldest: number | null };
    return { pending: r.pending, oldestAgeMs: r.oldest === null ? 0 : Math.max(0, now - r.oldest) };
  }

  async cleanup(sentBefore: number, max: number): Promise<number> {
    await this.#idle();
    return this.#relaxed(() => this.#cleanup.run(sentBefore, max).changes);
  }

  async watch(wake: () => void): Promise<() => Promise<void>> {
    this.#listeners.add(wake);
    return async () => void this.#listeners.delete(wake);
  }

  /**
   * better-sqlite3 transactions are synchronous, so by the time a microtask queued during one
   * runs, it has committed (or rolled back: then the relay simply finds nothing).
   */
  #signalSoon(): void {
    if (this.#signalled) return;
    this.#signalled = true;
    queueMicrotask(() => {
      this.#signalled = false;
      for (const wake of this.#listeners) wake();
    });
  }

  /**
   * Runs the relay's own bookkeeping (leases, marks, cleanup) without an fsync of its own
   * (synchronous=NORMAL for the moment, then the handle's setting again): losing one of these
   * commits to a power cut only means a row is claimed, or sent, once more; the next fsynced
   * commit makes them durable anyway.
   */
  #relaxed<T>(fn: () => T): T {
    const level = this.#db.pragma('synchronous', { simple: true }) as number;
    // Only in WAL mode: with a rollback journal, NORMAL risks corruption on power loss.
    if (level <= 1 || String(this.#db.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') return fn();
    this.#db.pragma('synchronous = NORMAL');
    try {
      return fn();
    } finally {
      this.#db.pragma(`synchronous = ${level}`);
    }
  }

  /**
   * Waits while the shared handle is inside someone's transaction (BEGIN … await … COMMIT):
   * a statement now would join it. Checks each millisecond rather than spinning.
   */
  async #idle(): Promise<void> {
    while (this.#db.inTransaction) await new Promise<void>((resolve) => setTimeout(resolve, 1));
  }
}

function toClaimed(r: RawRow): ClaimedRow {
  return {
    seq: r.seq,
    id: r.id,
    destKind: r.dest_kind,
    destination: r.destination,
    type: r.type,
    bodyKind: r.body_kind,
    body: r.body,
    headers: r.headers,
    key: r.msg_key,
    dedupId: r.dedup_id,
    delayMs: r.delay_ms,
    timestamp: r.timestamp,
    createdAt: r.created_at,
    attempts: r.attempts,
  };
}
