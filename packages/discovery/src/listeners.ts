/**
 * A minimal typed event. Listeners run synchronously after the state they describe has been
 * committed; one that throws is reported as an uncaught exception rather than breaking the
 * code that emitted.
 */
export class Emitter<E> {
  #listeners: ((e: E) => void)[] = [];

  /** Subscribes; the returned function unsubscribes. */
  on(listener: (e: E) => void): () => void {
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  emit(event: E): void {
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
