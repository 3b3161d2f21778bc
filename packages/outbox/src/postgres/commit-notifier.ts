import type { Logger } from '@switchyard/consumer';
import type { ClientBase, Pool } from 'pg';

type StatusClient = ClientBase & { getTransactionStatus(): string | null };

/** True when the pg client reports its transaction state (`getTransactionStatus()`, recent pg 8 releases), so commits can be seen. */
export function canWatchCommits(client: ClientBase): client is StatusClient {
  return typeof (client as Partial<StatusClient>).getTransactionStatus === 'function';
}

/**
 * Wakes relays right after the transactions that wrote outbox rows have ended, with a NOTIFY
 * of its own instead of one inside each transaction. PostgreSQL serialises the commits of
 * transactions that NOTIFY (a lock held through the commit's WAL flush, so that notifications
 * queue in commit order); one per business transaction caps a database at about one commit per
 * fsync. A NOTIFY-only statement writes no WAL, so it holds that lock for microseconds.
 *
 * It watches each writing connection's transaction state (pg updates it on every ReadyForQuery)
 * each millisecond until the transaction has ended, committed or not; then sends one NOTIFY,
 * at most one in flight per outbox, coalescing everything that ended meanwhile. A process that
 * dies between its commit and this NOTIFY leaves the rows to the relays' sweep.
 */
export class CommitNotifier {
  readonly #pool: Pool;
  readonly #channel: string;
  readonly #logger: Logger;
  readonly #open = new Set<StatusClient>();
  #timer: NodeJS.Timeout | undefined;
  #sending = false;
  #again = false;

  constructor(pool: Pool, channel: string, logger: Logger) {
    this.#pool = pool;
    this.#channel = channel;
    this.#logger = logger;
  }

  /** Notify once `client`'s current transaction has ended. */
  track(client: StatusClient): void {
    this.#open.add(client);
    if (this.#timer === undefined) this.#schedule();
  }

  /** Unref'd: watching a transaction never keeps the process alive. */
  #schedule(): void {
    this.#timer = setTimeout(() => this.#check(), 1);
    this.#timer.unref();
  }

  #check(): void {
    this.#timer = undefined;
    let ended = false;
    for (const c of this.#open) {
      const status = c.getTransactionStatus();
      if (status === 'T' || status === 'E') continue;
      this.#open.delete(c);
      ended = true;
    }
    if (ended) void this.#notify();
    if (this.#open.size > 0) this.#schedule();
  }

  async #notify(): Promise<void> {
    if (this.#sending) {
      this.#again = true;
      return;
    }
    this.#sending = true;
    try {
      await this.#pool.query('SELECT pg_notify($1, $2)', [this.#channel, '']);
    } catch (err) {
      this.#logger.warn({ err, channel: this.#channel }, 'NOTIFY after commit failed; relays will find the rows at their sweep');
    } finally {
      this.#sending = false;
      if (this.#again) {
        this.#again = false;
        void this.#notify();
      }
    }
  }
}
