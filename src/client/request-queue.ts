/**
 * The seed's RequestQueue, for apps that embed an Ollama bridge without a gateway: FIFO, with a
 * fixed number of concurrent slots, positions pushed to each waiter when they change, an optional
 * maximum wait, cancellation by AbortSignal, and the seed's `get_queue_stats()` figures.
 *
 * Differences from the seed, on purpose (STYLE.md §4): nothing polls (a waiter is a promise its
 * grant resolves, a deadline is one timer), there is no singleton (pass one queue to several
 * bridges to share it), and no results table is kept (results go to the caller's promise), so
 * memory is bounded by the waiters plus at most `maxRecent` completion records.
 */
import { CorralError } from '../core/errors.js';
import { abortReason } from './errors.js';
import type { QueueNotice, QueueStats } from './types.js';

/** Settings of a `RequestQueue`. */
export interface RequestQueueOptions {
  /** Requests run at once (Ollama's `OLLAMA_NUM_PARALLEL`); default 1. */
  concurrency?: number;
  /** Longest wait for a slot before failing with `timeout`; default none. */
  maxWaitMs?: number;
  /** Window of the statistics; default 5 minutes, as the seed. */
  statsWindowMs?: number;
  /** Most completion records kept for the statistics; default 1,000. */
  maxRecent?: number;
  /** Clock in ms (tests move it); default `Date.now`. */
  now?: () => number;
}

/** How a slot's request ended: only `completed` ones count towards the processing time. */
export type LeaseOutcome = 'completed' | 'failed' | 'cancelled';

/** A granted slot. `release` is idempotent; the first call wins. */
export interface Lease {
  release(outcome: LeaseOutcome): void;
}

/** Options of one `acquire`. */
export interface AcquireOptions {
  signal?: AbortSignal;
  /** Called at once when the request has to wait, then whenever its position or ETA changes. */
  onPosition?: (notice: QueueNotice) => void;
}

interface Waiter {
  resolve: (lease: Lease) => void;
  reject: (reason: unknown) => void;
  onPosition: ((notice: QueueNotice) => void) | undefined;
  /** Detaches the abort listener and the deadline timer. */
  cleanup: () => void;
}

/** An in-process FIFO queue in front of a fixed number of slots. */
export class RequestQueue {
  readonly #concurrency: number;
  readonly #maxWaitMs: number | undefined;
  readonly #windowMs: number;
  readonly #maxRecent: number;
  readonly #now: () => number;
  #waiting: Waiter[] = [];
  #active = 0;
  /** Completion time and duration, oldest first; pruned by age and count. */
  #recent: Array<{ atMs: number; durationMs: number }> = [];

  constructor(options: RequestQueueOptions = {}) {
    this.#concurrency = Math.max(1, options.concurrency ?? 1);
    this.#maxWaitMs = options.maxWaitMs;
    this.#windowMs = options.statsWindowMs ?? 300_000;
    this.#maxRecent = options.maxRecent ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Resolves with a slot. A request that must wait gets `onPosition` notices; an abort rejects
   * with `signal.reason` and the requests behind it move up at once.
   */
  acquire(options: AcquireOptions = {}): Promise<Lease> {
    const { signal } = options;
    if (signal?.aborted === true) return Promise.reject(abortReason(signal));
    if (this.#active < this.#concurrency && this.#waiting.length === 0) return Promise.resolve(this.#grant());
    return new Promise<Lease>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, onPosition: options.onPosition, cleanup: () => {} };
      const leave = (reason: unknown): void => {
        const index = this.#waiting.indexOf(waiter);
        if (index === -1) return;
        this.#waiting.splice(index, 1);
        waiter.cleanup();
        reject(reason);
        this.#notifyFrom(index);
      };
      const onAbort = (): void => leave(abortReason(signal as AbortSignal));
      const timer =
        this.#maxWaitMs === undefined
          ? undefined
          : setTimeout(
              () => leave(new CorralError('timeout', `waited more than ${this.#maxWaitMs} ms for a slot`)),
              this.#maxWaitMs,
            );
      signal?.addEventListener('abort', onAbort, { once: true });
      waiter.cleanup = () => {
        signal?.removeEventListener('abort', onAbort);
        if (timer !== undefined) clearTimeout(timer);
      };
      this.#waiting.push(waiter);
      this.#notify(waiter, this.#waiting.length - 1);
    });
  }

  /** The seed's figures: waiting, running, mean processing time and completions in the window. */
  getQueueStats(): QueueStats {
    this.#prune();
    const total = this.#recent.reduce((sum, r) => sum + r.durationMs, 0);
    return {
      queueSize: this.#waiting.length,
      activeRequests: this.#active,
      avgProcessingTimeMs: this.#recent.length === 0 ? null : total / this.#recent.length,
      recentCompletions: this.#recent.length,
    };
  }

  #grant(): Lease {
    this.#active += 1;
    const startedMs = this.#now();
    let released = false;
    return {
      release: (outcome) => {
        if (released) return;
        released = true;
        this.#active -= 1;
        if (outcome === 'completed') this.#record(startedMs);
        this.#dispatch();
      },
    };
  }

  #dispatch(): void {
    let granted = 0;
    while (this.#active < this.#concurrency && this.#waiting.length > 0) {
      const next = this.#waiting.shift() as Waiter; // length checked above
      next.cleanup();
      next.resolve(this.#grant());
      granted += 1;
    }
    if (granted > 0) this.#notifyFrom(0);
  }

  #record(startedMs: number): void {
    const now = this.#now();
    this.#recent.push({ atMs: now, durationMs: now - startedMs });
    this.#prune();
  }

  #prune(): void {
    const cutoff = this.#now() - this.#windowMs;
    let drop = 0;
    while (drop < this.#recent.length && (this.#recent[drop]?.atMs ?? 0) < cutoff) drop += 1;
    drop = Math.max(drop, this.#recent.length - this.#maxRecent);
    if (drop > 0) this.#recent.splice(0, drop);
  }

  #notifyFrom(index: number): void {
    for (let i = index; i < this.#waiting.length; i++) {
      const waiter = this.#waiting[i];
      if (waiter !== undefined) this.#notify(waiter, i);
    }
  }

  /**
   * ETA: requests ahead go `concurrency` at a time, and this one starts after one more average
   * processing time (the running requests' remainder, which is not known, is counted as whole).
   */
  #notify(waiter: Waiter, index: number): void {
    if (waiter.onPosition === undefined) return;
    const avg = this.getQueueStats().avgProcessingTimeMs;
    const notice: QueueNotice = { position: index + 1, ahead: index };
    if (avg !== null) notice.etaMs = Math.round(avg * (Math.floor(index / this.#concurrency) + 1));
    waiter.onPosition(notice);
  }
}
