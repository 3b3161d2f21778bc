import type { Database, Statement } from 'better-sqlite3';
import { BusyError, type Clock } from '@switchyard/core';
import { isBusy } from './busy.js';
import type { WalSync } from './wal-sync.js';

/** What an operation sees while it runs inside a group commit. */
export interface Tx {
  /** The clock's time when the commit began; every operation in it uses the same instant. */
  readonly now: number;
  /** Runs after the commit succeeds (wake waiters, and the like). Never runs on rollback. */
  afterCommit(fn: () => void): void;
  /**
   * Runs if the operation's changes are rolled back (its own failure, or the whole transaction's):
   * undoes what the operation changed outside the database. Never runs after a commit.
   */
  onRollback(fn: () => void): void;
}

/** A read waiting for the commit of what was submitted before it (Batcher.read). */
interface PendingRead {
  run: (now: number) => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

interface PendingOp {
  run: (tx: Tx) => unknown;
  /** False for operations whose result may be handed out before the commit is on disk (leases, reads). */
  durable: boolean;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit. Operations submitted in the same turn of the event loop run in one
 * `BEGIN IMMEDIATE … COMMIT`; an operation that throws rolls back alone and rejects alone, the
 * others commit together. Every promise settles only after the
 * commit has returned, so "resolved" means "durable" (to the chosen synchronous setting).
 *
 * Because better-sqlite3 is synchronous, a commit blocks the thread; while it runs, new
 * operations pile up and go out together in the next commit, which is what makes many concurrent
 * sends and acks cost few commits. On a file with the `fsync` setting the commit itself does not
 * fsync: a WalSync flushes the WAL on libuv's thread pool and durable operations settle after it,
 * so the thread runs the next commit while the disk works.
 */
export class Batcher {
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #maxOps: number;
  readonly #waitTurns: number;
  #pending: PendingOp[] = [];
  #reads: PendingRead[] = [];
  #scheduled = false;
  readonly #begin: Statement;
  readonly #beginRead: Statement;
  readonly #commit: Statement;
  readonly #rollback: Statement;
  readonly #savepoint: Statement;
  readonly #release: Statement;
  readonly #rollbackTo: Statement;
  /** Commits made; with `ops`, shows how well operations coalesce. */
  commits = 0;
  ops = 0;

  /** Called when a transaction begins and when an operation rolls back (drop per-transaction caches). */
  readonly #reset: () => void;
  readonly #sync: WalSync | undefined;
  /** Told after each commit (the checkpointer thread wakes on it). */
  readonly #committed: (() => void) | undefined;

  /**
   * With `sync`, the connection commits without fsync (`synchronous=NORMAL`) and durable
   * operations settle once `sync` has flushed the WAL past their commit.
   */
  constructor(db: Database, clock: Clock, limits: { maxOps: number; waitTurns: number }, reset: () => void, sync?: WalSync, committed?: () => void) {
    this.#reset = reset;
    this.#sync = sync;
    this.#committed = committed;
    this.#db = db;
    this.#clock = clock;
    this.#maxOps = limits.maxOps;
    this.#waitTurns = limits.waitTurns;
    this.#begin = db.prepare('BEGIN IMMEDIATE');
    this.#beginRead = db.prepare('BEGIN');
    this.#commit = db.prepare('COMMIT');
    this.#rollback = db.prepare('ROLLBACK');
    this.#savepoint = db.prepare('SAVEPOINT op');
    this.#release = db.prepare('RELEASE op');
    this.#rollbackTo = db.prepare('ROLLBACK TO op');
  }

  /**
   * Runs `fn` in the next group commit. `durable: false` lets the result settle as soon as the
   * commit returns, before a background sync has flushed it (for leases and reads: losing one to
   * a power cut only means the message is delivered again).
   */
  run<T>(fn: (tx: Tx) => T, durable = true): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ run: fn, durable, resolve: resolve as (v: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        this.#seen = 0;
        this.#turns = 0;
        setImmediate(this.#tick);
      }
    });
  }

  /** Operations pending at the last turn, and turns waited, for the commit being gathered. */
  #seen = 0;
  #turns = 0;
  /**
   * Runs once per turn of the event loop while a commit is being gathered: it waits another turn
   * while operations keep arriving (up to `waitTurns`), then commits. Requests that arrive over the
   * network are parsed a few per turn, so without this a server commits about one request at a
   * time; a turn with no new operation, a full batch or the limit ends the wait at once.
   */
  readonly #tick = (): void => {
    if (this.#pending.length > this.#seen && this.#turns < this.#waitTurns && this.#pending.length < this.#maxOps) {
      this.#seen = this.#pending.length;
      this.#turns++;
      setImmediate(this.#tick);
      return;
    }
    this.flush();
  };

  /** Commits everything pending now. */
  flush(): void {
    this.#scheduled = false;
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#maxOps);
      this.#commitBatch(batch);
    }
    if (this.#reads.length > 0) this.#runReads(this.#reads.splice(0));
  }

  /**
   * Runs `fn` after the commit of every operation submitted before it, in a read transaction of
   * its own: it sees them, and it holds no write lock, so a long read (counting a deep queue)
   * neither holds up other processes' writes nor fails while one of them writes. `fn` must not
   * write. Settles as soon as it has run.
   */
  read<T>(fn: (now: number) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#reads.push({ run: fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        this.#seen = this.#pending.length;
        this.#turns = this.#waitTurns;
        setImmediate(this.#tick);
      }
    });
  }

  #runReads(reads: PendingRead[]): void {
    // Cached queue rows belong to the last write transaction; another process may have changed them since.
    this.#reset();
    try {
      this.#beginRead.run();
    } catch (err) {
      for (const r of reads) r.reject(err);
      return;
    }
    const now = this.#clock.now();
    const done: [(value: unknown) => void, unknown][] = [];
    for (const r of reads) {
      try {
        done.push([r.resolve, r.run(now)]);
      } catch (err) {
        done.push([r.reject, err]);
      }
    }
    if (this.#db.inTransaction) this.#commit.run();
    for (const [settle, value] of done) settle(value);
  }

  /**
   * Runs the batch optimistically without savepoints (the common case: nothing throws). If an
   * operation throws, the whole transaction is rolled back and the batch runs again with a
   * savepoint around each operation, so only the failing ones are rejected. Operations are pure
   * functions of the database and `tx`, so running one twice is safe.
   */
  #commitBatch(batch: PendingOp[]): void {
    const fast = this.#attempt(batch, false);
    if (fast === 'retry') this.#attempt(batch, true);
  }

  #attempt(batch: PendingOp[], isolate: boolean): 'done' | 'retry' {
    const after: (() => void)[] = [];
    const undo: (() => void)[] = [];
    const tx: Tx = { now: this.#clock.now(), afterCommit: (fn) => void after.push(fn), onRollback: (fn) => void undo.push(fn) };
    const outcomes: { ok: boolean; value: unknown }[] = [];
    this.#reset();
    try {
      this.#begin.run();
    } catch (err) {
      const error = isBusy(err) ? new BusyError(`database ${this.#db.name}`, { cause: err }) : err;
      for (const op of batch) op.reject(error);
      return 'done';
    }
    for (const op of batch) {
      const mark = after.length;
      const undoMark = undo.length;
      if (isolate) this.#savepoint.run();
      try {
        const value = op.run(tx);
        if (isolate) this.#release.run();
        outcomes.push({ ok: true, value });
      } catch (err) {
        if (!isolate) {
          this.#rollback.run();
          undoFrom(undo, 0);
          return 'retry';
        }
        this.#rollbackTo.run();
        this.#release.run();
        this.#reset();
        after.length = mark;
        undoFrom(undo, undoMark);
        outcomes.push({ ok: false, value: err });
      }
    }
    try {
      this.#commit.run();
    } catch (err) {
      if (this.#db.inTransaction) this.#rollback.run();
      undoFrom(undo, 0);
      for (const op of batch) op.reject(err);
      return 'done';
    }
    this.commits++;
    this.ops += batch.length;
    this.#committed?.();
    const sync = this.#sync;
    let later: { op: PendingOp; value: unknown }[] | undefined;
    batch.forEach((op, i) => {
      const o = outcomes[i] as { ok: boolean; value: unknown };
      if (!o.ok) op.reject(o.value);
      else if (sync && op.durable) (later ??= []).push({ op, value: o.value });
      else op.resolve(o.value);
    });
    if (sync && later) {
      const waiting = later;
      sync.afterCommit((err) => {
        for (const { op, value } of waiting) {
          if (err) op.reject(err);
          else op.resolve(value);
        }
      });
    }
    for (const fn of after) fn();
    return 'done';
  }
}

/** Runs the undo steps from `mark` on, newest first, and forgets them. */
function undoFrom(undo: (() => void)[], mark: number): void {
  for (let i = undo.length - 1; i >= mark; i--) (undo[i] as () => void)();
  undo.length = mark;
}
