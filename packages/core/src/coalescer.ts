/**
 * Client-side group commit. Calls submitted in the same turn of the event loop go together (a
 * handler acking a whole batch, or many handlers each acking one), and calls submitted while
 * `concurrency` statements for the same key are already running wait and then go together, as
 * one statement (one commit, one WAL flush) instead of one each. A batch goes out on the next
 * turn (`setImmediate`), so a lone call waits for the current turn to finish and no longer.
 * `run` gets the items in submission order and returns one result per item; if it throws, every
 * call of the batch rejects with that error.
 */
export class Coalescer<I, R> {
  readonly #run: (key: string, items: I[]) => Promise<R[]>;
  readonly #concurrency: number;
  readonly #maxItems: number;
  readonly #queues = new Map<string, { running: number; scheduled: boolean; pending: { item: I; resolve(r: R): void; reject(e: unknown): void }[] }>();

  constructor(run: (key: string, items: I[]) => Promise<R[]>, options: { concurrency: number; maxItems: number }) {
    this.#run = run;
    this.#concurrency = options.concurrency;
    this.#maxItems = options.maxItems;
  }

  submit(key: string, item: I): Promise<R> {
    let q = this.#queues.get(key);
    if (!q) this.#queues.set(key, (q = { running: 0, scheduled: false, pending: [] }));
    const state = q;
    const result = new Promise<R>((resolve, reject) => state.pending.push({ item, resolve, reject }));
    if (!state.scheduled) {
      // Not at once: the rest of this synchronous run may submit more for the same key.
      state.scheduled = true;
      setImmediate(() => {
        state.scheduled = false;
        this.#pump(key);
      });
    }
    return result;
  }

  #pump(key: string): void {
    const q = this.#queues.get(key);
    if (!q) return;
    while (q.running < this.#concurrency && q.pending.length > 0) {
      const batch = q.pending.splice(0, this.#maxItems);
      q.running++;
      this.#run(
        key,
        batch.map((b) => b.item),
      )
        .then(
          (results) => batch.forEach((b, i) => b.resolve(results[i] as R)),
          (err: unknown) => batch.forEach((b) => b.reject(err)),
        )
        .finally(() => {
          q.running--;
          if (q.running === 0 && q.pending.length === 0 && !q.scheduled) this.#queues.delete(key);
          else this.#pump(key);
        });
    }
  }
}
