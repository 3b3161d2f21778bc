/** How many acked stream sequences are remembered per queue. */
const rememberMax = 100_000;

/**
 * Stream sequences this engine acked (and the server confirmed), per queue, the most recent
 * 100,000. nats-server 2.9 persists consumer state lazily: after a restart, even a graceful one,
 * it can deliver again messages whose ack it had confirmed. A delivery of a remembered sequence
 * is acked again and not handed out, so within this process an ack that has resolved is final.
 * (Another process's engine does not know these sequences; nats-server 2.10's
 * `sync_interval: always` closes that gap on the server.)
 */
export class RecentAcks {
  readonly #byQueue = new Map<string, Set<number>>();

  add(queue: string, streamSeq: number): void {
    let set = this.#byQueue.get(queue);
    if (!set) this.#byQueue.set(queue, (set = new Set()));
    set.add(streamSeq);
    if (set.size > rememberMax) set.delete(set.values().next().value as number);
  }

  has(queue: string, streamSeq: number): boolean {
    return this.#byQueue.get(queue)?.has(streamSeq) === true;
  }

  /** The queue's stream was deleted: a new one numbers its messages from 1 again. */
  forget(queue: string): void {
    this.#byQueue.delete(queue);
  }
}
