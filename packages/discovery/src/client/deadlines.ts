/**
 * Per-attempt deadlines without a timer (or an AbortController) per call. Deadlines of one
 * length fall due in the order they were added, so a FIFO behind one clock timer serves them
 * all (the trick Node uses for its own timer lists, and the resilience package's TimeoutPolicy
 * uses inside). The timer is unref'd: a deadline never holds a finished process open.
 */
import type { Clock } from '@switchyard/core';

/** Something with a deadline: `at` is set by `add`; `pending` false means it no longer applies. */
export interface DeadlineEntry {
  at: number;
  readonly pending: boolean;
  expire(): void;
}

export class DeadlineList {
  readonly #clock: Clock;
  readonly ms: number;
  #entries: DeadlineEntry[] = [];
  #head = 0;
  #armed = false;

  constructor(clock: Clock, ms: number) {
    this.#clock = clock;
    this.ms = ms;
  }

  /** `entry.expire()` runs `ms` from now, unless it is no longer pending by then. */
  add(entry: DeadlineEntry): void {
    entry.at = this.#clock.now() + this.ms;
    this.#trim();
    this.#entries.push(entry);
    if (!this.#armed) this.#arm(this.ms);
  }

  #onTimer(): void {
    this.#armed = false;
    const now = this.#clock.now();
    for (;;) {
      this.#trim();
      const next = this.#entries[this.#head];
      if (next === undefined) return;
      if (next.at > now) return this.#arm(next.at - now);
      this.#head++;
      next.expire();
    }
  }

  #arm(ms: number): void {
    this.#armed = true;
    this.#clock.setTimer(() => this.#onTimer(), ms).unref?.();
  }

  /** Drops settled entries from the front; compacts once the dead prefix dominates. */
  #trim(): void {
    const entries = this.#entries;
    while (this.#head < entries.length && !entries[this.#head]!.pending) this.#head++;
    if (this.#head === entries.length) {
      this.#entries = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > entries.length) {
      this.#entries = entries.slice(this.#head);
      this.#head = 0;
    }
  }
}
