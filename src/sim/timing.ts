/**
 * Clocks, pacing and abortable waits. A delay of 0 never creates a timer (the emulator must be an
 * "instant upstream" for overhead benchmarks), and every wait ends when its signal aborts.
 */

/** Monotonic nanoseconds (µs precision) for the duration fields of §2.2. */
export function monoNs(): number {
  return Math.round(performance.now() * 1e6);
}

/** RFC 3339 with nanoseconds in UTC, trailing zeros trimmed, as Go's RFC3339Nano prints (§1). */
let cachedSecondMs = Number.NaN;
let cachedHead = '';

export function rfc3339Nano(epochMs: number): string {
  const wholeSecondMs = Math.floor(epochMs / 1000) * 1000;
  // Every chunk carries a timestamp: format the date part once per second, not per chunk.
  if (wholeSecondMs !== cachedSecondMs) {
    cachedSecondMs = wholeSecondMs;
    cachedHead = new Date(wholeSecondMs).toISOString().slice(0, 19);
  }
  let ns = Math.min(999_999_999, Math.round((epochMs - wholeSecondMs) * 1e6));
  if (ns === 0) return `${cachedHead}Z`;
  let digits = 9;
  while (ns % 10 === 0) {
    ns /= 10;
    digits--;
  }
  return `${cachedHead}.${String(ns).padStart(digits, '0')}Z`;
}

export function nowRfc3339(): string {
  return rfc3339Nano(performance.timeOrigin + performance.now());
}

/**
 * Resolves true after `ms`, or false as soon as the signal aborts. Never early by the monotonic
 * clock the durations are measured with: Node's timers run on a millisecond loop clock and can
 * fire a fraction of a millisecond before `performance.now()` reaches the due time, so the rest
 * is waited out (a `load_duration` is then never below `loadMs`).
 */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  const due = performance.now() + ms;
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const fire = (): void => {
      const left = due - performance.now();
      if (left > 0) {
        timer = setTimeout(fire, Math.ceil(left));
        return;
      }
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    };
    let timer = setTimeout(fire, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves when the signal aborts (the `hang` script). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

export interface PaceModel {
  /** Output tokens per second for one busy slot; 0 = instant. */
  tps: number;
  /** Per-slot slowdown factor: rate = tps / (1 + slowdown × (busySlots − 1)) (§4.8). */
  slowdown: number;
}

/** Milliseconds per output token given how many slots of the model are generating now. */
export function tokenIntervalMs(model: PaceModel, busySlots: number, slowMsOverride?: number): number {
  if (slowMsOverride !== undefined) return slowMsOverride;
  if (model.tps <= 0) return 0;
  const rate = model.tps / (1 + model.slowdown * Math.max(0, busySlots - 1));
  return 1000 / rate;
}

/**
 * Paces a sequence of steps against a schedule (start + Σ intervals) rather than sleeping a fixed
 * interval each time, so timer latency does not accumulate and waits under 1 ms are skipped.
 */
export class Pacer {
  #due = performance.now();

  /** Waits for the next step; false if aborted. Answers synchronously when no wait is due (no promise per token). */
  step(intervalMs: number, signal: AbortSignal): boolean | Promise<boolean> {
    if (intervalMs <= 0) {
      this.#due = performance.now();
      return !signal.aborted;
    }
    this.#due += intervalMs;
    const wait = this.#due - performance.now();
    if (wait < 1) return !signal.aborted;
    return sleep(wait, signal);
  }
}
