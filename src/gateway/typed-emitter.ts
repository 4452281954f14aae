/**
 * A small typed event emitter: `on(type, fn)` returns its own unsubscribe function, and a listener
 * that throws cannot break the emitter (observers only observe, STYLE.md §1 rule 7).
 */
export class TypedEmitter<Events extends { type: string }> {
  readonly #listeners = new Map<string, Set<(event: never) => void>>();

  on<T extends Events['type']>(type: T, fn: (event: Extract<Events, { type: T }>) => void): () => void {
    let set = this.#listeners.get(type);
    if (!set) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    const listener = fn as (event: never) => void;
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  emit(event: Events): void {
    const set = this.#listeners.get(event.type);
    if (!set) return;
    for (const fn of set) {
      try {
        (fn as (event: Events) => void)(event);
      } catch {
        // An observer's bug must not fail a request.
      }
    }
  }
}
