import { ClosedError } from '@switchyard/core';

/**
 * Open or closed, and who to tell when it closes. Work in flight subscribes with `onClose` (a
 * long poll answers empty; a request gives up) instead of listening on an AbortSignal, so a
 * thousand waiting polls do not trip Node's listener-leak warning.
 */
export class Lifecycle {
  #closed = false;
  readonly #hooks = new Set<() => void>();

  get closed(): boolean {
    return this.#closed;
  }

  /** Throws ClosedError once closed: every operation starts here. */
  checkOpen(): void {
    if (this.#closed) throw new ClosedError();
  }

  /** Calls `fn` on close (at once if already closed). Returns the unsubscribe. */
  onClose(fn: () => void): () => void {
    if (this.#closed) {
      fn();
      return () => undefined;
    }
    this.#hooks.add(fn);
    return () => void this.#hooks.delete(fn);
  }

  /** Returns false when it was already closed. */
  close(): boolean {
    if (this.#closed) return false;
    this.#closed = true;
    for (const fn of this.#hooks) fn();
    this.#hooks.clear();
    return true;
  }
}
