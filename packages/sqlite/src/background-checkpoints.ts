import type { Database } from 'better-sqlite3';
import { Checkpointer } from './checkpointer.js';
import { ownCheckpointBytes, setCheckpointThreshold } from './open-database.js';

/** Commits an engine makes checkpointing by itself before it starts the thread. */
export const commitsBeforeThread = 64;
/**
 * The engine's own threshold while the thread runs: a backstop. Under writes that never pause it
 * is also what rewinds the WAL (the thread's checkpoints never quite catch up with the last
 * commit, and SQLite rewinds only a WAL copied to its end), so each time the WAL reaches it a
 * commit on the event loop copies what the thread has not yet copied and fsyncs the WAL and the
 * file, and the next one fsyncs the rewound WAL's header. At 16 MiB that happened every ~50
 * commits of the e2e benchmark; at 64 MiB every ~190: e2e 55.5k -> 59.2k/s (three rounds against
 * 32 MiB, 56.2k, and 128 MiB, 58.6k). The WAL file then stays up to 64 MiB on disk while busy.
 */
export const backstopCheckpointBytes = 64 * 1024 * 1024;
/** How long the thread lets commits gather after the first before it checkpoints. */
const gatherMs = 20;

/** Where the thread is: not started yet, running, or failed (the commits checkpoint again). */
export interface CheckpointThreadState {
  state: 'waiting' | 'running' | 'failed';
  /** Why it failed; for instance a bundle without checkpoint-worker.js beside it. */
  error?: string;
  /** Checkpoints it has run. */
  checkpoints: number;
}

/**
 * An engine's WAL checkpoints: by the commits themselves at first (SQLite's automatic checkpoint),
 * then, once the engine has made `commitsBeforeThread` commits, on a thread of their own
 * (checkpointer.ts), with the automatic checkpoint raised to a backstop. Short-lived engines — a
 * CLI command, most tests — never pay for a thread; a busy one gets it within its first second.
 * If the thread fails, the commits checkpoint by themselves again.
 */
export class BackgroundCheckpoints {
  readonly #db: Database;
  readonly #o: { path: string; busyTimeoutMs: number };
  #thread: Checkpointer | undefined;
  #commits = 0;
  #closed = false;
  #error: string | undefined;

  constructor(db: Database, o: { path: string; busyTimeoutMs: number }) {
    this.#db = db;
    this.#o = o;
  }

  /** After each commit. */
  noteCommit(): void {
    if (this.#thread) return this.#thread.noteCommit();
    if (++this.#commits !== commitsBeforeThread || this.#closed) return;
    try {
      this.#thread = new Checkpointer({
        path: this.#o.path,
        busyTimeoutMs: this.#o.busyTimeoutMs,
        gatherMs,
        onFailure: (err) => this.#failed(err),
      });
    } catch (err) {
      // No thread could start here (an unusual loader): the commits keep checkpointing.
      this.#failed(err);
      return;
    }
    setCheckpointThreshold(this.#db, backstopCheckpointBytes);
    this.#thread.noteCommit();
  }

  get state(): CheckpointThreadState {
    const checkpoints = this.#thread?.checkpoints ?? 0;
    if (this.#error !== undefined) return { state: 'failed', error: this.#error, checkpoints };
    return { state: this.#thread ? 'running' : 'waiting', checkpoints };
  }

  #failed(err: unknown): void {
    this.#error = err instanceof Error ? err.message : String(err);
    if (!this.#closed) setCheckpointThreshold(this.#db, ownCheckpointBytes);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#thread?.close();
  }
}
