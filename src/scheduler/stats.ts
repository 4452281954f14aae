import type { Clock } from '../core/clock.js';
import type { ErrorKind } from '../core/errors.js';
import type { PredictionErrorStats } from './eta.js';
import { GroupWindows, LiveTally } from './group-stats.js';
import type { LiveTallyEntry } from './group-stats.js';
import { TimeWindow } from './time-window.js';
import type { FinalState } from './types.js';

/** One finished job, as the status page lists it. Times are on the injected clock. */
export interface CompletionSample {
  readonly id: string;
  readonly model: string;
  readonly tenant: string;
  /** The priority class the job was admitted in (before aging). */
  readonly priority?: string;
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

/** What identifies a job in the per-group statistics. */
export interface JobKeys {
  readonly model: string;
  readonly tenant: string;
  /** Priority class the job was admitted in. */
  readonly priority: string;
}

/**
 * One group (a model, a tenant or a priority class): live counts, and the window's waits,
 * processing times and throughput. Window figures follow the same rules as `window` (waits at
 * every dispatch, processing for `done` jobs only).
 */
export interface GroupStatus {
  /** Waiting now. */
  readonly queued: number;
  /** Holding a slot now. */
  readonly running: number;
  /** Jobs that left the queue for a slot in the window, and their mean wait. */
  readonly dispatched: number;
  readonly avgWaitMs: number | null;
  /** Jobs finished `done` in the window, their mean time holding a slot, and completions/s. */
  readonly completed: number;
  readonly avgProcessingMs: number | null;
  readonly throughputPerSec: number;
}

export interface SchedulerSnapshot {
  readonly atMs: number;
  /** Waiting jobs, all models (the seed's `queue_size`). */
  readonly queued: number;
  /** Jobs holding a slot ("active requests"). */
  readonly running: number;
  /** Per model: every model with waiting or running jobs, or samples in the window. */
  readonly models: Record<string, GroupStatus>;
  /**
   * Per tenant: tenants with live work first (most queued + running first), then tenants with
   * samples in the window (most recent first), at most `tenantLimit` of them; `tenantsOmitted`
   * says how many were left out. Window figures are kept for the `tenantLimit` tenants that
   * recorded most recently; an older tenant still shows its live counts (window figures 0/null).
   */
  readonly tenants: Record<string, GroupStatus>;
  readonly tenantLimit: number;
  readonly tenantsOmitted: number;
  /** Per priority class, by the class a job was admitted in (aging does not move it here). */
  readonly priorities: Record<string, GroupStatus>;
  readonly backends: Record<string, { running: number; models: Record<string, number> }>;
  readonly window: {
    readonly windowMs: number;
    /**
     * Time the window actually covers: the window, or less when the scheduler is younger (at
     * least 1 s). Throughput divides by this.
     */
    readonly spanMs: number;
    /** Jobs finished `done` in the window, and their mean time holding a slot. */
    readonly completed: number;
    readonly avgProcessingMs: number | null;
    /** `completed` per second over `spanMs`. */
    readonly throughputPerSec: number;
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

/** The seed's `get_queue_stats()` answer, field for field (`avg_processing_time` in seconds). */
export interface SeedQueueStats {
  /** Requests waiting for a slot. */
  readonly queue_size: number;
  /**
   * Requests holding a slot. (The seed counted every `pending` result, which included the
   * waiting ones a second time; here the two numbers do not overlap.)
   */
  readonly active_requests: number;
  /** Mean processing time of the requests completed in the window, in seconds; null with none. */
  readonly avg_processing_time: number | null;
  /** Requests completed (`done`) in the window. */
  readonly recent_completions: number;
}

export function seedQueueStats(snapshot: SchedulerSnapshot): SeedQueueStats {
  const avg = snapshot.window.avgProcessingMs;
  return {
    queue_size: snapshot.queued,
    active_requests: snapshot.running,
    avg_processing_time: avg === null ? null : avg / 1000,
    recent_completions: snapshot.window.completed,
  };
}

export interface StatsOptions {
  /** Default 5 minutes. */
  readonly windowMs?: number;
  /** Default 20. */
  readonly recentLimit?: number;
  /** Tenants with per-tenant window figures, and listed in a snapshot. Default 1,000. */
  readonly tenantLimit?: number;
}

/** Models and classes are few (config bounds them); the cap only guards against surprises. */
const GROUP_LIMIT = 1_000;
/** Per-tenant windows use coarser buckets (25 s for 5 minutes): there may be 1,000 of them. */
const TENANT_BUCKETS = 12;

/**
 * The seed's `get_queue_stats`, done right: averages over a window that really expires, in
 * bounded memory; a short list of recent completions; totals by final state; and the same figures
 * per model, per tenant and per priority class. Pure: time comes from the clock, nothing is
 * logged, and `snapshot()` returns plain JSON-able data.
 *
 * Processing time is sampled for `done` jobs only: failures are often instant and cancellations
 * arbitrary, and this average feeds `retryAfterMs` (and later ETA), which should describe work.
 *
 * Memory: live tallies hold one entry per tenant / class with live work (deleted at zero); window
 * figures are kept for at most `tenantLimit` tenants (the most recently active) and 1,000 models
 * and classes.
 */
export class SchedulerStats {
  readonly #clock: Clock;
  readonly #windowMs: number;
  readonly #recentLimit: number;
  readonly #tenantLimit: number;
  readonly #createdAtMs: number;
  readonly #processing: TimeWindow;
  readonly #waits: TimeWindow;
  readonly #byModel: GroupWindows;
  readonly #byTenant: GroupWindows;
  readonly #byPriority: GroupWindows;
  readonly #liveTenants = new LiveTally();
  readonly #livePriorities = new LiveTally();
  /** Oldest first; at most `#recentLimit` long (a small array, so shift() is cheap). */
  readonly #recent: CompletionSample[] = [];
  readonly #totals: Record<FinalState, number> = {
    done: 0,
    failed: 0,
    cancelled: 0,
    timed_out: 0,
    fallback: 0,
  };
  readonly #rejected = new Map<ErrorKind, number>();

  constructor(clock: Clock, options: StatsOptions = {}) {
    this.#clock = clock;
    this.#windowMs = options.windowMs ?? 300_000;
    this.#recentLimit = options.recentLimit ?? 20;
    this.#tenantLimit = options.tenantLimit ?? 1_000;
    this.#createdAtMs = clock.now();
    this.#processing = new TimeWindow(clock, this.#windowMs);
    this.#waits = new TimeWindow(clock, this.#windowMs);
    this.#byModel = new GroupWindows(clock, this.#windowMs, 60, GROUP_LIMIT);
    this.#byTenant = new GroupWindows(clock, this.#windowMs, TENANT_BUCKETS, this.#tenantLimit);
    this.#byPriority = new GroupWindows(clock, this.#windowMs, 60, GROUP_LIMIT);
  }

  /** A job went into the queue. */
  jobQueued(keys: JobKeys): void {
    this.#live(keys, 1, 0);
  }

  /** A job took a slot after `waitMs` (0 when it started at submit without queueing). */
  jobStarted(keys: JobKeys, waitMs: number, fromQueue: boolean): void {
    this.#live(keys, fromQueue ? -1 : 0, 1);
    this.recordWait(waitMs, keys);
  }

  /** A job left for good, from the queue or from a slot (its completion is recorded apart). */
  jobLeft(keys: JobKeys, wasRunning: boolean): void {
    this.#live(keys, wasRunning ? 0 : -1, wasRunning ? -1 : 0);
  }

  recordWait(waitMs: number, keys?: JobKeys): void {
    this.#waits.add(waitMs);
    if (!keys) return;
    this.#byModel.recordWait(keys.model, waitMs);
    this.#byTenant.recordWait(keys.tenant, waitMs);
    this.#byPriority.recordWait(keys.priority, waitMs);
  }

  recordRejection(kind: ErrorKind): void {
    this.#rejected.set(kind, (this.#rejected.get(kind) ?? 0) + 1);
  }

  recordCompletion(sample: CompletionSample): void {
    this.#totals[sample.state]++;
    if (sample.state === 'done' && sample.processingMs !== null) {
      this.#processing.add(sample.processingMs);
      this.#byModel.recordProcessing(sample.model, sample.processingMs);
      this.#byTenant.recordProcessing(sample.tenant, sample.processingMs);
      if (sample.priority !== undefined)
        this.#byPriority.recordProcessing(sample.priority, sample.processingMs);
    }
    if (this.#recentLimit === 0) return;
    this.#recent.push(sample);
    if (this.#recent.length > this.#recentLimit) this.#recent.shift();
  }

  avgProcessingMs(): number | null {
    return this.#processing.average();
  }

  snapshot(live: LiveCounts): SchedulerSnapshot {
    const now = this.#clock.now();
    const spanMs = Math.min(this.#windowMs, Math.max(1_000, now - this.#createdAtMs));
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
    const liveModels = new Map<string, LiveTallyEntry>();
    for (const m of new Set([...live.queuedByModel.keys(), ...runningByModel.keys()]))
      liveModels.set(m, { queued: live.queuedByModel.get(m) ?? 0, running: runningByModel.get(m) ?? 0 });
    const tenants = groups(this.#liveTenants.entries(), this.#byTenant, spanMs, this.#tenantLimit);
    return {
      atMs: now,
      queued: sum(live.queuedByModel.values()),
      running,
      models: groups(liveModels.entries(), this.#byModel, spanMs, GROUP_LIMIT).groups,
      tenants: tenants.groups,
      tenantLimit: this.#tenantLimit,
      tenantsOmitted: tenants.omitted,
      priorities: groups(this.#livePriorities.entries(), this.#byPriority, spanMs, GROUP_LIMIT).groups,
      backends: Object.fromEntries(
        [...live.runningByBackend].map(([b, models]) => [
          b,
          { running: sum(models.values()), models: Object.fromEntries(models) },
        ]),
      ),
      window: {
        windowMs: this.#windowMs,
        spanMs,
        completed: processing.count,
        avgProcessingMs: processing.count === 0 ? null : processing.sum / processing.count,
        throughputPerSec: (processing.count * 1000) / spanMs,
        dispatched: waits.count,
        avgWaitMs: waits.count === 0 ? null : waits.sum / waits.count,
      },
      recent: [...this.#recent].reverse(),
      totals: { ...this.#totals },
      rejected: Object.fromEntries(this.#rejected),
    };
  }

  #live(keys: JobKeys, queued: number, running: number): void {
    this.#liveTenants.change(keys.tenant, queued, running);
    this.#livePriorities.change(keys.priority, queued, running);
  }
}

/**
 * Live groups first (most queued + running first), then groups with window samples only (most
 * recent first), at most `limit`.
 */
function groups(
  live: Iterable<[string, LiveTallyEntry]>,
  windows: GroupWindows,
  spanMs: number,
  limit: number,
): { groups: Record<string, GroupStatus>; omitted: number } {
  const liveSorted = [...live].sort(
    ([a, x], [b, y]) => y.queued + y.running - (x.queued + x.running) || (a < b ? -1 : a > b ? 1 : 0),
  );
  const liveKeys = new Map(liveSorted);
  const keys = [...liveKeys.keys()];
  for (const key of windows.activeKeys()) if (!liveKeys.has(key)) keys.push(key);
  const out: Array<[string, GroupStatus]> = [];
  for (const key of keys.slice(0, limit)) {
    const counts = liveKeys.get(key);
    const w = windows.totals(key);
    const dispatched = w?.dispatched ?? 0;
    const completed = w?.completed ?? 0;
    out.push([
      key,
      {
        queued: counts?.queued ?? 0,
        running: counts?.running ?? 0,
        dispatched,
        avgWaitMs: dispatched === 0 ? null : (w?.waitSumMs ?? 0) / dispatched,
        completed,
        avgProcessingMs: completed === 0 ? null : (w?.processingSumMs ?? 0) / completed,
        throughputPerSec: (completed * 1000) / spanMs,
      },
    ]);
  }
  // fromEntries defines own properties: a key named `__proto__` stays a plain key.
  return { groups: Object.fromEntries(out), omitted: Math.max(0, keys.length - limit) };
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
