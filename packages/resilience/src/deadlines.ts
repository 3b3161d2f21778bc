import type { Clock } from '@switchyard/core';
import { DeadlineList, type DeadlineEntry } from './deadline-list.js';

export interface Deadline {
  /** Stops the deadline from firing; harmless after it fired. */
  cancel(): void;
}

/**
 * Deadlines all the same length away, as callbacks with a cancel handle: a DeadlineList (one
 * clock timer for all, and a cancelled entry leaves the list at once, so nothing finished stays
 * reachable) behind the simpler interface TimeoutPolicy needs.
 */
export class DeadlineQueue {
  readonly #list: DeadlineList;

  constructor(clock: Clock, ms: number) {
    this.#list = new DeadlineList(clock, ms);
  }

  /** Calls `fire` in `ms`, unless cancelled first. */
  add(fire: () => void): Deadline {
    const list = this.#list;
    const entry: DeadlineEntry & Deadline = {
      at: 0,
      prev: undefined,
      next: undefined,
      list: undefined,
      expire: fire,
      cancel: () => list.remove(entry),
    };
    list.add(entry);
    return entry;
  }

  /** Deadlines added and neither fired nor cancelled. */
  get size(): number {
    return this.#list.size;
  }
}
