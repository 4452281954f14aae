import type { SchedulerEvent, SchedulerEventOf, SchedulerEventType } from './types.js';

export type Listener<T extends SchedulerEventType> = (event: SchedulerEventOf<T>) => void;
export type ListenerErrorHandler = (error: unknown, event: SchedulerEvent) => void;

type AnyListener = (event: SchedulerEvent) => void;

/**
 * Typed observer list with deferred delivery.
 *
 * The scheduler `stage`s events while it mutates and `flush`es once its state is consistent, so a
 * listener never sees half an operation, and a listener that calls back into the scheduler (the
 * gateway reacting to `positions_changed`) just appends to the same queue. A throwing listener must
 * not lose a decision: if `finish()` threw after taking a slot, the gateway would never learn of the
 * dispatch and the slot would leak. So errors go to `onError` (the composition root logs them) and
 * the remaining listeners still run.
 */
export class EventBus {
  readonly #listeners = new Map<SchedulerEventType, Set<AnyListener>>();
  readonly #pending: SchedulerEvent[] = [];
  readonly #onError: ListenerErrorHandler;
  #isFlushing = false;

  constructor(onError: ListenerErrorHandler = () => {}) {
    this.#onError = onError;
  }

  on<T extends SchedulerEventType>(type: T, listener: Listener<T>): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    // Sound: `flush` only hands a listener events whose `type` is the one it registered for.
    const stored = listener as AnyListener;
    set.add(stored);
    return () => {
      set.delete(stored);
    };
  }

  stage(event: SchedulerEvent): void {
    if (this.#listeners.get(event.type)?.size) this.#pending.push(event);
  }

  /** Delivers staged events in order; re-entrant calls leave the work to the outer loop. */
  flush(): void {
    if (this.#isFlushing) return;
    this.#isFlushing = true;
    try {
      for (let i = 0; i < this.#pending.length; i++) {
        const event = this.#pending[i];
        if (event !== undefined) this.#deliver(event);
      }
    } finally {
      this.#pending.length = 0;
      this.#isFlushing = false;
    }
  }

  #report(error: unknown, event: SchedulerEvent): void {
    try {
      this.#onError(error, event);
    } catch {
      // An error handler that throws has nowhere left to report; the decision still stands.
    }
  }

  #deliver(event: SchedulerEvent): void {
    for (const listener of [...(this.#listeners.get(event.type) ?? [])]) {
      try {
        listener(event);
      } catch (error) {
        this.#report(error, event);
      }
    }
  }
}
