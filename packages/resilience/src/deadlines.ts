import type { Clock } from '@switchyard/core';

export interface Deadline {
  /** Stops the deadline from firing; harmless after it fired. */
  cancel(): void;
}

interface Entry extends Deadline {
  at: number;
  fire: (() => void) | undefined;
}

/**
 * Deadlines that are all the same length away, kept in one FIFO behind one clock timer.
 * Because every deadline is `now + ms` for the same `ms`, they fall due in the order they were
 * added, so a call costs an array push instead of a timer of its own — the same trick Node uses
 * for its own timer lists. (If the clock steps back, a deadline may fire late by that step.)
 *
 * The timer stays armed while any deadline is pending and may fire once more, with nothing to
 * do, after the last is cancelled; it is unref'd, so it does not keep a process alive.
 */
export class DeadlineQueue {
  readonly #clock: Clock;
  readonly #ms: number;
  #entries: Entry[] = [];
  #head = 0;
  /** Whether a clock timer is pending (it is never cancelled; it just finds nothing to do). */
  #armed = false;

  constructor(clock: Clock, ms: number) {
    this.#clock = clock;
    this.#ms = ms;
  }

  /** Calls `fire` in `ms`, unless cancelled first. */
  add(fire: () => void): Deadline {
    const entry: Entry = {
      at: this.#clock.now() + this.#ms,
      fire,
      cancel() {
        entry.fire = undefined;
      },
    };
    this.#trim();
    this.#entries.push(entry);
    if (!this.#armed) this.#arm(this.#ms);
    return entry;
  }

  /** Deadlines added and neither fired nor cancelled, plus cancelled ones not yet dropped. */
  get size(): number {
    return this.#entries.length - this.#head;
  }

  #onTimer(): void {
    this.#armed = false;
    const now = this.#clock.now();
    for (;;) {
      this.#trim();
      const next = this.#entries[this.#head];
      if (next === undefined) return;
      if (next.at > now) {
        this.#arm(next.at - now);
        return;
      }
      this.#head++;
      const fire = next.fire;
      next.fire = undefined;
      fire?.();
    }
  }

  #arm(ms: number): void {
    this.#armed = true;
    // The calls being timed keep the process alive by themselves; this timer must not.
    this.#clock.setTimer(() => this.#onTimer(), ms).unref?.();
  }

  /** Drops cancelled deadlines from the front, and compacts once the dead prefix dominates. */
  #trim(): void {
    const entries = this.#entries;
    while (this.#head < entries.length && entries[this.#head]!.fire === undefined) this.#head++;
    if (this.#head === entries.length) {
      this.#entries = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > entries.length) {
      this.#entries = entries.slice(this.#head);
      this.#head = 0;
    }
  }
}
