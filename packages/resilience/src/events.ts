/**
 * A minimal typed event. Listeners run synchronously after the state they describe has been
 * committed; a listener that throws is reported as an uncaught exception (as EventTarget does)
 * rather than turning the call being made into a failure.
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
