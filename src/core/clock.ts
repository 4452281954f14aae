/**
 * Time as the pure layers see it. The scheduler and router never call `Date.now()` themselves, so
 * tests can move time by hand.
 */
export interface Clock {
  /** Milliseconds, monotonic within one process (may be fractional). */
  now(): number;
}

export const systemClock: Clock = { now: () => performance.now() };

/** A clock moved by hand, for tests. */
export class ManualClock implements Clock {
  #nowMs: number;
  constructor(startMs = 0) {
    this.#nowMs = startMs;
  }
  now(): number {
    return this.#nowMs;
  }
  advance(ms: number): void {
    this.#nowMs += ms;
  }
}
