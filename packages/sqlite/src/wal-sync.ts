import { closeSync, fdatasync, fsyncSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Makes commits durable off the main thread. The database runs with `synchronous=NORMAL` (a
 * commit appends its frames to the WAL and returns without an fsync) and this class
 * `fdatasync`s the WAL file on libuv's thread pool; an operation's promise settles only after a
 * sync that began after its commit has finished. So "resolved" still means "survives power
 * loss", as with `synchronous=FULL`, but the thread keeps running the next commit while the disk
 * flushes the previous ones. Syncs run one at a time; each covers every commit made before it
 * began, so a burst of commits costs one or two syncs.
 *
 * After a failed sync the kernel may have dropped the dirty pages, so nothing later can be
 * promised durable: every waiting and later operation is rejected with that error.
 */
export class WalSync {
  readonly #walPath: string;
  #fd: number | undefined;
  #inFlight = false;
  #next: ((err: Error | null) => void)[] = [];
  #failed: Error | null = null;
  #idle: (() => void)[] = [];
  /** fdatasync calls made (for seeing how well syncs coalesce). */
  syncs = 0;

  constructor(databasePath: string) {
    this.#walPath = `${resolve(databasePath)}-wal`;
  }

  /** Calls `done` once everything committed so far is on disk (or with the error that prevented it). */
  afterCommit(done: (err: Error | null) => void): void {
    if (this.#failed) return done(this.#failed);
    this.#next.push(done);
    if (!this.#inFlight) this.#start();
  }

  /** Resolves when no sync is running or waiting. */
  drained(): Promise<void> {
    if (!this.#inFlight) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #start(): void {
    const batch = this.#next;
    this.#next = [];
    this.#inFlight = true;
    let fd: number | undefined;
    try {
      fd = this.#open();
    } catch (err) {
      return this.#finish(batch, err as Error);
    }
    // No WAL yet: nothing has been written, so nothing needs flushing.
    if (fd === undefined) return this.#finish(batch, null);
    this.syncs++;
    fdatasync(fd, (err) => this.#finish(batch, err));
  }

  #finish(batch: ((err: Error | null) => void)[], err: Error | null): void {
    this.#inFlight = false;
    if (err) this.#failed = err;
    for (const done of batch) done(this.#failed);
    if (this.#next.length > 0) return this.#start();
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  /**
   * The WAL exists once a commit has written something; SQLite keeps the same file (it rewinds,
   * never deletes it) while this process holds a connection. Its directory entry is synced once.
   */
  #open(): number | undefined {
    if (this.#fd === undefined) {
      try {
        this.#fd = openSync(this.#walPath, 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
      const dir = openSync(dirname(this.#walPath), 'r');
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
    }
    return this.#fd;
  }
}
