import type { InferenceRequest, RequestMeta } from '../core/chat.js';
import type { Clock } from '../core/clock.js';
import { CorralError } from '../core/errors.js';
import type { FleetView } from '../core/fleet.js';
import type { Dispatch, JobSpec, Scheduler, StrandedJob } from '../scheduler/index.js';
import { rerouteBackends } from './backend-choice.js';
import type { FinishInfo } from './lease.js';
import type { LiveLoadCounter } from './live-load.js';

/** A queued job as the gateway remembers it: enough to send it elsewhere if its backends go down. */
export interface WaitingJob {
  readonly req: InferenceRequest;
  readonly meta: RequestMeta;
  readonly spec: JobSpec;
  /** Backends this request already failed on. */
  readonly exclude: ReadonlySet<string>;
  readonly enqueuedAt: number;
}

/** What ends a wait: a slot on a backend, or the request goes to the cloud fallback. */
export type WaitResult =
  { type: 'dispatched'; backend: string } | { type: 'fallback'; reason: 'wait_exceeded' | 'no_local_host' };

interface Waiter extends WaitingJob {
  /** The job may leave for the cloud (instead of failing) when no local backend is left. */
  readonly canFallBack: boolean;
  resolve(result: WaitResult): void;
  reject(reason: unknown): void;
}

export interface WaitingRoomDeps {
  scheduler: Scheduler;
  fleet: FleetView;
  load: LiveLoadCounter;
  clock: Clock;
  /** 0 = wait as long as it takes. */
  maxQueueWaitMs: number;
  /** Settles a request that ends while waiting (left, timed out, or nowhere left to go). */
  finished(req: InferenceRequest, meta: RequestMeta, info: FinishInfo): void | Promise<void>;
}

/**
 * Requests waiting for a slot: each is a promise that the scheduler's dispatch resolves (never a
 * poll), that the client leaving or the queue deadline rejects, and that is routed again when
 * every backend it could wait for has gone down.
 */
export class WaitingRoom {
  readonly #deps: WaitingRoomDeps;
  readonly #waiters = new Map<string, Waiter>();

  constructor(deps: WaitingRoomDeps) {
    this.#deps = deps;
  }

  /**
   * Resolves with the backend the job was dispatched to, or with `fallback` when the job may go to
   * the cloud (`fallbackAfterMs` given) and has waited that long, or lost every local backend.
   */
  wait(job: WaitingJob, signal: AbortSignal, fallbackAfterMs?: number): Promise<WaitResult> {
    const { req, meta, enqueuedAt } = job;
    const { scheduler, clock } = this.#deps;
    return new Promise<WaitResult>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let fallbackTimer: NodeJS.Timeout | undefined;
      const leave = (reason: unknown, outcome: 'cancelled' | 'timed_out') => {
        if (!this.#waiters.delete(meta.id)) return;
        cleanup();
        this.apply(scheduler.cancel(meta.id, outcome));
        void this.#deps.finished(req, meta, { outcome, error: reason, waitMs: clock.now() - enqueuedAt });
        reject(reason);
      };
      const onAbort = () => leave(signal.reason, 'cancelled');
      // Leaves the line without settling: the request goes on, in the cloud.
      const toCloud = () => {
        if (!this.#waiters.delete(meta.id)) return;
        cleanup();
        this.apply(scheduler.cancel(meta.id, 'fallback'));
        resolve({ type: 'fallback', reason: 'wait_exceeded' });
      };
      const cleanup = () => {
        signal.removeEventListener('abort', onAbort);
        if (timer) clearTimeout(timer);
        if (fallbackTimer) clearTimeout(fallbackTimer);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      // The shorter of the gateway's bound and the client's own, counted from the first enqueue
      // (a request routed again after a failover does not start its wait over).
      const bounds = [this.#deps.maxQueueWaitMs, meta.maxQueueWaitMs ?? 0].filter((ms) => ms > 0);
      const maxWaitMs = bounds.length > 0 ? Math.min(...bounds) : 0;
      if (maxWaitMs > 0) {
        const onDeadline = () => {
          // With a cloud to go to, the deadline sends the request there instead of failing it.
          if (fallbackAfterMs !== undefined) return toCloud();
          const error = new CorralError(
            'timeout',
            `no slot for model '${req.model}' became free within ${maxWaitMs} ms`,
            { retryAfterMs: maxWaitMs },
          );
          leave(error, 'timed_out');
        };
        timer = setTimeout(onDeadline, Math.max(0, maxWaitMs - (clock.now() - enqueuedAt)));
      }
      if (fallbackAfterMs !== undefined) fallbackTimer = setTimeout(toCloud, Math.max(0, fallbackAfterMs));
      this.#waiters.set(meta.id, {
        ...job,
        canFallBack: fallbackAfterMs !== undefined,
        resolve: (result) => {
          cleanup();
          resolve(result);
        },
        reject: (reason) => {
          cleanup();
          reject(reason);
        },
      });
    });
  }

  /** Hands freed slots to the jobs the scheduler chose. */
  apply(dispatches: readonly Dispatch[]): void {
    const pending = [...dispatches];
    for (let d = pending.shift(); d; d = pending.shift()) {
      const waiter = this.#waiters.get(d.jobId);
      if (waiter) {
        this.#waiters.delete(d.jobId);
        waiter.resolve({ type: 'dispatched', backend: d.backend });
      } else {
        // Every dispatch has already taken a slot; one nobody waits for any more (gateway shutting
        // down) is handed straight back, or the slot would leak.
        pending.push(...this.#deps.scheduler.cancel(d.jobId, 'cancelled'));
      }
    }
  }

  /** A waiting job whose backends all went down: a new list from the router, or its failure. */
  reroute(job: StrandedJob): void {
    const waiter = this.#waiters.get(job.jobId);
    if (!waiter) return;
    const { req, meta, spec, exclude, enqueuedAt } = waiter;
    const { scheduler, fleet, load, clock } = this.#deps;
    let error: unknown = job.error;
    try {
      // Submitted again, at the back of the line: its old place was in a line that is gone.
      const backends = rerouteBackends(fleet, load, req, exclude);
      const decision = scheduler.submit({ ...spec, backends });
      if (decision.type === 'queued') return;
      if (decision.type === 'dispatch') return this.apply([decision]);
      error = decision.error;
    } catch (err) {
      error = err;
    }
    this.#waiters.delete(job.jobId);
    // Already out of the scheduler (stranded, or refused on resubmission).
    if (waiter.canFallBack) return waiter.resolve({ type: 'fallback', reason: 'no_local_host' });
    void this.#deps.finished(req, meta, { outcome: 'failed', error, waitMs: clock.now() - enqueuedAt });
    waiter.reject(error);
  }

  /** Shutdown: every waiting request fails with `reason`. */
  rejectAll(reason: unknown): void {
    for (const waiter of this.#waiters.values()) waiter.reject(reason);
    this.#waiters.clear();
  }
}
