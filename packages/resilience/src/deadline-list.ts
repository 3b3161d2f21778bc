/**
 * Deadlines without a timer (or an AbortController) per call. Deadlines of one length fall due
 * in the order they were added, so a FIFO behind one clock timer serves them all (the trick Node
 * uses for its own timer lists). TimeoutPolicy (whose call contexts are the entries) and discovery's HTTP and
 * gRPC clients time their calls with it. The timer is unref'd: a deadline never holds a finished
 * process open.
 *
 * The FIFO is an intrusive doubly linked list, and an entry that settles unlinks itself at once:
 * the list holds only attempts in flight. (An array that dropped settled entries only when they
 * reached its head, compacting now and then, kept a thousand or more finished attempts reachable,
 * so they survived young-generation collections: a quarter of the bytes surviving per call in
 * bench/discovery.ts's HTTP client. And one slow call at the head kept every later entry alive for up
 * to its whole deadline.)
 */
import type { Clock } from '@switchyard/core';

/** Something with a deadline; the list owns the link fields. */
export interface DeadlineEntry {
  at: number;
  prev: DeadlineEntry | undefined;
  next: DeadlineEntry | undefined;
  /** The list the entry is in, or undefined. */
  list: DeadlineList | undefined;
  /** Called once, when the deadline passes while the entry is still listed. */
  expire(): void;
}

export class DeadlineList {
  readonly #clock: Clock;
  readonly ms: number;
  #head: DeadlineEntry | undefined;
  #tail: DeadlineEntry | undefined;
  #size = 0;
  #armed = false;

  constructor(clock: Clock, ms: number) {
    this.#clock = clock;
    this.ms = ms;
  }

  /** Entries waiting for their deadline. */
  get size(): number {
    return this.#size;
  }

  /** `entry.expire()` runs `ms` from now, unless the entry is removed first. It must not be in a list. */
  add(entry: DeadlineEntry): void {
    entry.at = this.#clock.now() + this.ms;
    entry.list = this;
    entry.next = undefined;
    entry.prev = this.#tail;
    if (this.#tail) this.#tail.next = entry;
    else this.#head = entry;
    this.#tail = entry;
    this.#size++;
    if (!this.#armed) this.#arm(this.ms);
  }

  /** Takes the entry out (its call settled); harmless when it is not in this list. */
  remove(entry: DeadlineEntry): void {
    if (entry.list !== this) return;
    const { prev, next } = entry;
    if (prev) prev.next = next;
    else this.#head = next;
    if (next) next.prev = prev;
    else this.#tail = prev;
    entry.prev = entry.next = entry.list = undefined;
    this.#size--;
  }

  #onTimer(): void {
    this.#armed = false;
    const now = this.#clock.now();
    for (let e = this.#head; e !== undefined; e = this.#head) {
      if (e.at > now) return this.#arm(e.at - now);
      this.remove(e);
      e.expire();
    }
  }

  #arm(ms: number): void {
    this.#armed = true;
    this.#clock.setTimer(() => this.#onTimer(), ms).unref?.();
  }
}
