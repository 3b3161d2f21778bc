import type { Worker } from 'node:worker_threads';
import { Slot, slotCount, type CheckpointWorkerData } from './checkpoint-slots.js';
import { startWorker } from './start-worker.js';

export interface CheckpointerOptions {
  path: string;
  busyTimeoutMs: number;
  /** How long the thread lets commits gather after the first one before it checkpoints. */
  gatherMs: number;
  /** Called once if the thread fails or ends before `close`: the engine checkpoints itself again. */
  onFailure: (err: Error) => void;
}

/**
 * Checkpoints the WAL on a worker thread, so the engine's thread never stalls on one.
 *
 * SQLite checkpoints inside the commit that takes the WAL past `wal_autocheckpoint`: that commit
 * copies every page the WAL holds into the database file and fsyncs the WAL and the file, on the
 * event loop (about half of a commit's cost in a raw harness, 1.8 of 3.5 µs per message). Here a
 * thread with its own connection runs PASSIVE checkpoints, which never block writers, a little
 * after commits happen; the engine's own automatic checkpoint stays on, at a higher threshold, as a
 * backstop (it is what rewinds the WAL when writes never pause long enough for the thread to catch
 * up, so the event loop still checkpoints once per backstop's worth of WAL under sustained writes,
 * and it takes over if the thread fails). An idle engine's thread sleeps on a futex: no timers.
 */
export class Checkpointer {
  readonly #signal = new Int32Array(new SharedArrayBuffer(slotCount * Int32Array.BYTES_PER_ELEMENT));
  readonly #worker: Worker;
  readonly #exited: Promise<void>;
  #closing = false;

  constructor(o: CheckpointerOptions) {
    const data: CheckpointWorkerData = { path: o.path, busyTimeoutMs: o.busyTimeoutMs, gatherMs: o.gatherMs, signal: this.#signal };
    this.#worker = startWorker('checkpoint-worker', data);
    this.#worker.unref();
    let failed = false;
    const fail = (err: Error) => {
      if (failed || this.#closing) return;
      failed = true;
      o.onFailure(err);
    };
    this.#worker.on('message', (m: { failed?: string }) => {
      if (m.failed !== undefined) fail(new Error(`checkpoint thread: ${m.failed}`));
    });
    this.#worker.on('error', fail);
    this.#exited = new Promise((resolve) => {
      this.#worker.once('exit', (code) => {
        fail(new Error(`checkpoint thread exited (code ${code})`));
        resolve();
      });
    });
  }

  /** After each commit: wakes the thread if it sleeps. */
  noteCommit(): void {
    Atomics.add(this.#signal, Slot.Commits, 1);
    Atomics.notify(this.#signal, Slot.Commits);
  }

  /** Checkpoints the thread has run. */
  get checkpoints(): number {
    return Atomics.load(this.#signal, Slot.Checkpoints);
  }

  /** Stops the thread (after the checkpoint it may be running) and closes its connection. */
  close(): Promise<void> {
    this.#closing = true;
    // Unreferenced so an engine left open does not keep the process alive; awaited here, so it must be.
    this.#worker.ref();
    Atomics.store(this.#signal, Slot.Closing, 1);
    Atomics.notify(this.#signal, Slot.Closing);
    Atomics.notify(this.#signal, Slot.Commits);
    return this.#exited;
  }
}
