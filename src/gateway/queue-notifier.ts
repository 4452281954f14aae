import type { QueueEvent } from '../core/queue-events.js';
import type { JobInfo, Scheduler } from '../scheduler/index.js';

/** How often a waiting client hears from us even when nothing moved (its ETA may have). */
export const PROGRESS_HEARTBEAT_MS = 5_000;
/** Position changes are batched: a burst of departures becomes one update per waiter. */
export const PROGRESS_BATCH_MS = 250;
/**
 * How often waiters' ETAs are looked at between queue events. Most ETA moves come with no event
 * (a running job overruns its prediction); a second is the smallest move worth telling (below).
 */
export const ETA_CHECK_MS = 1_000;
/** An ETA move worth its own update: more than this, and more than ETA_MOVE_RATIO of the wait. */
export const ETA_MOVE_MIN_MS = 1_000;
export const ETA_MOVE_RATIO = 0.1;

interface Watcher {
  model: string;
  notify: (event: QueueEvent) => void;
  lastPosition: number;
  lastSentMs: number;
  /** Predicted start as an instant on our clock (sent time + sent ETA), if an ETA was sent. */
  lastStartAtMs: number | undefined;
}

/**
 * Pushes `progress` events to waiting requests: when their position changed (batched every
 * PROGRESS_BATCH_MS, so a queue of thousands does not recompute positions on every departure),
 * when their predicted start moved by more than max(ETA_MOVE_MIN_MS, ETA_MOVE_RATIO of the wait),
 * and at least every PROGRESS_HEARTBEAT_MS. Driven by the scheduler's `positions_changed` events
 * and one timer, which runs only while someone waits.
 */
export class QueueNotifier {
  readonly #scheduler: Scheduler;
  readonly #now: () => number;
  readonly #watchers = new Map<string, Watcher>();
  readonly #dirtyModels = new Set<string>();
  #batchTimer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  readonly #unsubscribe: () => void;

  constructor(scheduler: Scheduler, now: () => number) {
    this.#scheduler = scheduler;
    this.#now = now;
    this.#unsubscribe = scheduler.on('positions_changed', (e) => this.#markDirty(e.model));
  }

  /**
   * Starts watching a job that was just told it is queued, with the ETA it was told (so a move is
   * measured from what the client knows).
   */
  watch(
    jobId: string,
    model: string,
    position: number,
    notify: (event: QueueEvent) => void,
    etaMs?: number,
  ): void {
    const now = this.#now();
    this.#watchers.set(jobId, {
      model,
      notify,
      lastPosition: position,
      lastSentMs: now,
      lastStartAtMs: etaMs === undefined ? undefined : now + etaMs,
    });
    this.#heartbeat ??= setInterval(() => this.#beat(), ETA_CHECK_MS);
    this.#heartbeat.unref();
  }

  unwatch(jobId: string): void {
    this.#watchers.delete(jobId);
    if (this.#watchers.size === 0) this.#stopTimers();
  }

  close(): void {
    this.#unsubscribe();
    this.#watchers.clear();
    this.#stopTimers();
  }

  #markDirty(model: string): void {
    if (this.#watchers.size === 0) return;
    this.#dirtyModels.add(model);
    this.#batchTimer ??= setTimeout(() => this.#flush(), PROGRESS_BATCH_MS);
  }

  #flush(): void {
    this.#batchTimer = undefined;
    const models = new Set(this.#dirtyModels);
    this.#dirtyModels.clear();
    for (const [jobId, watcher] of this.#watchers) {
      if (models.has(watcher.model)) this.#send(jobId, watcher, false);
    }
  }

  #beat(): void {
    const now = this.#now();
    for (const [jobId, watcher] of this.#watchers) {
      this.#send(jobId, watcher, now - watcher.lastSentMs >= PROGRESS_HEARTBEAT_MS);
    }
  }

  #send(jobId: string, watcher: Watcher, always: boolean): void {
    const job = this.#scheduler.get(jobId);
    if (job?.state !== 'queued' || job.position === undefined) return;
    const now = this.#now();
    if (!always && job.position === watcher.lastPosition && !etaMoved(watcher, job, now)) return;
    watcher.lastPosition = job.position;
    watcher.lastSentMs = now;
    watcher.lastStartAtMs = job.startInMs === undefined ? undefined : now + job.startInMs;
    watcher.notify({
      type: 'progress',
      position: job.position,
      ahead: job.ahead ?? job.position - 1,
      ...(job.startInMs === undefined ? {} : { etaMs: job.startInMs }),
      ...(job.finishInMs === undefined ? {} : { finishEtaMs: job.finishInMs }),
    });
  }

  #stopTimers(): void {
    if (this.#batchTimer) clearTimeout(this.#batchTimer);
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#batchTimer = undefined;
    this.#heartbeat = undefined;
  }
}

/**
 * Whether the predicted start moved enough to tell the client now. Compared as instants, not as
 * remaining waits: an ETA that counts down as predicted ("41 s", a second later "40 s") tells the
 * client nothing new, while one that stays at "5 s" for ten seconds (the job ahead overran) does.
 */
function etaMoved(watcher: Watcher, job: JobInfo, now: number): boolean {
  const etaMs = job.startInMs;
  const last = watcher.lastStartAtMs;
  if (etaMs === undefined || last === undefined) return (etaMs === undefined) !== (last === undefined);
  // An unknown start (no slot serves the model) is a change of its own; Infinity - Infinity is NaN.
  if (!Number.isFinite(etaMs) || !Number.isFinite(last))
    return Number.isFinite(etaMs) !== Number.isFinite(last);
  // Relative to the wait still ahead: a 3 s slip matters with 5 s to go, not with 5 minutes.
  return Math.abs(now + etaMs - last) > Math.max(ETA_MOVE_MIN_MS, ETA_MOVE_RATIO * etaMs);
}
