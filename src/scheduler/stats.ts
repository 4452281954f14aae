import type { Clock } from '../core/clock.js';
import type { ErrorKind } from '../core/errors.js';
import type { PredictionErrorStats } from './eta.js';
import { TimeWindow } from './time-window.js';
import type { FinalState } from './types.js';

/** One finished job, as the status page lists it. Times are on the injected clock. */
export interface CompletionSample {
  readonly id: string;
  readonly model: string;
  readonly tenant: string;
  /** Undefined when the job never started (cancelled, timed out or stranded while queued). */
  readonly backend?: string;
  readonly state: FinalState;
  /** Time in the queue; null when it never left the queue for a slot. */
  readonly waitMs: number | null;
  /** Time holding a slot; null when it never started. */
  readonly processingMs: number | null;
  readonly finishedAtMs: number;
}

/** The live part of the status, read from the scheduler at snapshot time. */
export interface LiveCounts {
  readonly queuedByModel: ReadonlyMap<string, number>;
  /** backend -> model -> running count. */
  readonly runningByBackend: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

export interface SchedulerSnapshot {
  readonly atMs: number;
  /** Waiting jobs, all models. */
  readonly queued: number;
  /** Jobs holding a slot ("active requests"). */
  readonly running: number;
  readonly models: Record<string, { queued: number; running: number }>;
  readonly backends: Record<string, { running: number; models: Record<string, number> }>;
  readonly window: {
    readonly windowMs: number;
    /** Jobs finished `done` in the window, and their mean time holding a slot. */
    readonly completed: number;
    readonly avgProcessingMs: number | null;
    /** Jobs dispatched in the window, and their mean time in the queue. */
    readonly dispatched: number;
    readonly avgWaitMs: number | null;
  };
  /** Newest first. */
  readonly recent: CompletionSample[];
  readonly totals: Record<FinalState, number>;
  /** Submissions refused, by error kind (`queue_full`, `invalid_request`, `unavailable`). */
  readonly rejected: Partial<Record<ErrorKind, number>>;
  /** Start-time prediction error, when the scheduler has an `EtaEstimator`. */
  readonly eta?: PredictionErrorStats;
}

export interface StatsOptions {
  /** Default 5 minutes. */
  readonly windowMs?: number;
  /** Default 20. */
  readonly recentLimit?: number;
}

/**
 * The seed's `get_queue_stats`, done right: averages over a window that really expires, in
 * bounded memory; a short list of recent completions; totals by final state. Pure: time comes
 * from the clock, nothing is logged, and `snapshot()` returns plain JSON-able data.
 *
 * Processing time is sampled for `done` jobs only: failures are often instant and cancellations
 * arbitrary, and this average feeds `retryAfterMs` (and later ETA), which should describe work.
 */
export class SchedulerStats {
  readonly #clock: Clock;
  readonly #windowMs: number;
  readonly #recentLimit: number;
  readonly #processing: TimeWindow;
  readonly #waits: TimeWindow;
  /** Oldest first; at most `#recentLimit` long (a small array, so shift() is cheap). */
  readonly #recent: CompletionSample[] = [];
  readonly #totals: Record<FinalState, number> = { done: 0, failed: 0, cancelled: 0, timed_out: 0 };
  readonly #rejected = new Map<ErrorKind, number>();

  constructor(clock: Clock, options: StatsOptions = {}) {
    this.#clock = clock;
    this.#windowMs = options.windowMs ?? 300_000;
    this.#recentLimit = options.recentLimit ?? 20;
    this.#processing = new TimeWindow(clock, this.#windowMs);
    this.#waits = new TimeWindow(clock, this.#windowMs);
  }

  recordWait(waitMs: number): void {
    this.#waits.add(waitMs);
  }

  recordRejection(kind: ErrorKind): void {
    this.#rejected.set(kind, (this.#rejected.get(kind) ?? 0) + 1);
  }

  recordCompletion(sample: CompletionSample): void {
    this.#totals[sample.state]++;
    if (sample.state === 'done' && sample.processingMs !== null) this.#processing.add(sample.processingMs);
    if (this.#recentLimit === 0) return;
    this.#recent.push(sample);
    if (this.#recent.length > this.#recentLimit) this.#recent.shift();
  }

  avgProcessingMs(): number | null {
    return this.#processing.average();
  }

  snapshot(live: LiveCounts): SchedulerSnapshot {
    const processing = this.#processing.totals();
    const waits = this.#waits.totals();
    const runningByModel = new Map<string, number>();
    let running = 0;
    for (const models of live.runningByBackend.values()) {
      for (const [model, count] of models) {
        runningByModel.set(model, (runningByModel.get(model) ?? 0) + count);
        running += count;
      }
    }
    const modelNames = new Set([...live.queuedByModel.keys(), ...runningByModel.keys()]);
    return {
      atMs: this.#clock.now(),
      queued: sum(live.queuedByModel.values()),
      running,
      models: Object.fromEntries(
        [...modelNames].map((m) => [
          m,
          { queued: live.queuedByModel.get(m) ?? 0, running: runningByModel.get(m) ?? 0 },
        ]),
      ),
      backends: Object.fromEntries(
        [...live.runningByBackend].map(([b, models]) => [
          b,
          { running: sum(models.values()), models: Object.fromEntries(models) },
        ]),
      ),
      window: {
        windowMs: this.#windowMs,
        completed: processing.count,
        avgProcessingMs: processing.count === 0 ? null : processing.sum / processing.count,
        dispatched: waits.count,
        avgWaitMs: waits.count === 0 ? null : waits.sum / waits.count,
      },
      recent: [...this.#recent].reverse(),
      totals: { ...this.#totals },
      rejected: Object.fromEntries(this.#rejected),
    };
  }
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
