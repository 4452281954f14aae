import type { QueueEvent } from '../core/queue-events.js';
import type { Scheduler } from '../scheduler/index.js';

/** How often a waiting client hears from us even when nothing moved (its ETA may have). */
export const PROGRESS_HEARTBEAT_MS = 5_000;
/** Position changes are batched: a burst of departures becomes one update per waiter. */
export const PROGRESS_BATCH_MS = 250;

interface Watcher {
  model: string;
  notify: (event: QueueEvent) => void;
  lastPosition: number;
  lastSentMs: number;
}

/**
 * Pushes `progress` events to waiting requests: when their position changed (batched every
 * PROGRESS_BATCH_MS, so a queue of thousands does not recompute positions on every departure) and
 * at least every PROGRESS_HEARTBEAT_MS. Driven by the scheduler's `positions_changed` events; the
 * heartbeat timer runs only while someone waits.
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

  watch(jobId: string, model: string, position: number, notify: (event: QueueEvent) => void): void {
    this.#watchers.set(jobId, { model, notify, lastPosition: position, lastSentMs: this.#now() });
    this.#heartbeat ??= setInterval(() => this.#beat(), PROGRESS_HEARTBEAT_MS / 2);
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
      if (now - watcher.lastSentMs >= PROGRESS_HEARTBEAT_MS) this.#send(jobId, watcher, true);
    }
  }

  #send(jobId: string, watcher: Watcher, always: boolean): void {
    const job = this.#scheduler.get(jobId);
    if (job?.state !== 'queued' || job.position === undefined) return;
    if (!always && job.position === watcher.lastPosition) return;
    watcher.lastPosition = job.position;
    watcher.lastSentMs = this.#now();
    watcher.notify({
      type: 'progress',
      position: job.position,
      ahead: job.ahead ?? job.position - 1,
      ...(job.startInMs === undefined ? {} : { etaMs: job.startInMs }),
    });
  }

  #stopTimers(): void {
    if (this.#batchTimer) clearTimeout(this.#batchTimer);
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#batchTimer = undefined;
    this.#heartbeat = undefined;
  }
}
