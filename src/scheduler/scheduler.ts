import type { Clock } from '../core/clock.js';
import { CorralError } from '../core/errors.js';
import { checkQueueBounds, tenantLimitError, validateJob } from './admission.js';
import type { AdmissionLimits } from './admission.js';
import { EventBus } from './event-bus.js';
import type { Listener, ListenerErrorHandler } from './event-bus.js';
import type { Eta, EtaEstimator } from './eta.js';
import { FairPolicy } from './fair-policy.js';
import { FifoPolicy } from './fifo-policy.js';
import { JobRegistry, newRecord, toJobInfo } from './job-registry.js';
import type { JobRecord } from './job-registry.js';
import type { LeaveReason, QueuePolicy } from './queue-policy.js';
import { SlotTable } from './slot-table.js';
import { SchedulerEta } from './scheduler-eta.js';
import type { JobUsage } from './scheduler-eta.js';
import { SchedulerStats } from './stats.js';
import type { JobKeys, SchedulerSnapshot } from './stats.js';
import type { TenantLookup } from './tenants.js';
import type {
  BackendRemoval,
  CancelReason,
  Dispatch,
  FinalState,
  FinishOutcome,
  JobInfo,
  JobSpec,
  SchedulerEventType,
  StrandedJob,
  SubmitDecision,
} from './types.js';

/** Class of a job when the policy has none (FIFO ignores priorities). */
const DEFAULT_CLASS = 'default';

function keysOf(record: JobRecord): JobKeys {
  return { model: record.model, tenant: record.tenant, priority: record.priorityClass ?? DEFAULT_CLASS };
}

export interface SchedulerOptions {
  /** Waiting jobs across all models before `queue_full`. Default 10,000. */
  readonly maxQueued?: number;
  /** Waiting jobs per model before `queue_full`. Default: `maxQueued`. */
  readonly maxQueuedPerModel?: number;
  /** Finished jobs `get()` still answers for. Default 1,000. */
  readonly recentJobsLimit?: number;
  /** Window of the averages in `snapshot()`. Default 5 minutes. */
  readonly statsWindowMs?: number;
  /** Completions listed in `snapshot().recent`. Default 20. */
  readonly recentCompletionsLimit?: number;
  /** Tenants with per-tenant window figures in `snapshot().tenants`. Default 1,000. */
  readonly statsTenantLimit?: number;
  /** Bounds of `retryAfterMs` on `queue_full`. Defaults 1 s and 60 s. */
  readonly minRetryAfterMs?: number;
  readonly maxRetryAfterMs?: number;
  /**
   * Ordering of waiting jobs; a fresh, empty instance. Default `new FifoPolicy()`, or a
   * `FairPolicy` over `tenants` when only `tenants` is given.
   */
  readonly policy?: QueuePolicy;
  /** Tenant settings (weight, classes, limits), for the default `FairPolicy`. */
  readonly tenants?: TenantLookup;
  /** Predicts start/finish of waiting jobs and scores its predictions. Default: no ETA. */
  readonly eta?: EtaEstimator;
  /** Where a throwing observer's error goes (the composition root logs it). Default: dropped. */
  readonly onListenerError?: ListenerErrorHandler;
}

/**
 * Who runs where, and who waits: a synchronous state machine (STYLE.md, llama-swap's scheduler).
 * Every mutation returns its decisions as data; nothing here does I/O, sets a timer or logs.
 *
 * Invariants, true between any two public calls:
 * 1. running(b, m) never exceeds slots(b, m) through a dispatch of ours (capacity may be lowered
 *    under running jobs; then nothing new starts there until they drop below it).
 * 2. Work-conserving: for every (b, m) with a free slot, no waiting job of model m lists b
 *    (jobs of a tenant at its in-flight cap excepted: they wait by rule, not for a slot).
 *    So `submit` may start a job at once without jumping anyone, and a freed (b, m) slot only
 *    needs to look at the (b, m) line.
 * 3. A slot is released exactly once per dispatch: only a `running` job releases, and it leaves
 *    `running` in the same step (finish/cancel of anything else is a no-op).
 * 4. The policy holds exactly the `queued` jobs.
 */
export class Scheduler {
  readonly #clock: Clock;
  readonly #limits: AdmissionLimits;
  readonly #policy: QueuePolicy;
  readonly #eta: SchedulerEta;
  readonly #slots = new SlotTable();
  readonly #jobs: JobRegistry;
  readonly #stats: SchedulerStats;
  readonly #bus: EventBus;
  /** model -> smallest position that moved during the current operation. */
  readonly #moved = new Map<string, number>();

  constructor(options: SchedulerOptions, clock: Clock) {
    this.#clock = clock;
    const maxQueued = options.maxQueued ?? 10_000;
    this.#limits = {
      maxQueued,
      maxQueuedPerModel: options.maxQueuedPerModel ?? maxQueued,
      minRetryAfterMs: options.minRetryAfterMs ?? 1_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
    };
    this.#policy =
      options.policy ??
      (options.tenants ? new FairPolicy({ tenants: options.tenants }, clock) : new FifoPolicy());
    this.#eta = new SchedulerEta(options.eta, this.#policy, this.#slots);
    this.#jobs = new JobRegistry(options.recentJobsLimit ?? 1_000);
    this.#stats = new SchedulerStats(clock, {
      ...(options.statsWindowMs === undefined ? {} : { windowMs: options.statsWindowMs }),
      ...(options.recentCompletionsLimit === undefined
        ? {}
        : { recentLimit: options.recentCompletionsLimit }),
      ...(options.statsTenantLimit === undefined ? {} : { tenantLimit: options.statsTenantLimit }),
    });
    this.#bus = new EventBus(options.onListenerError);
  }

  /** Waiting jobs, all models. */
  get queued(): number {
    return this.#policy.size;
  }

  /** Jobs holding a slot. */
  get running(): number {
    return this.#jobs.liveCount - this.#policy.size;
  }

  submit(spec: JobSpec): SubmitDecision {
    const decision = this.#admit(spec);
    this.#commit();
    return decision;
  }

  /** A running job ended; its slot goes to the next waiting job(s). No-op unless it is running. */
  finish(jobId: string, outcome: FinishOutcome, usage?: JobUsage): Dispatch[] {
    const record = this.#jobs.live(jobId);
    if (record?.state !== 'running') return [];
    const out = this.#endRunning(record, outcome, usage);
    this.#commit();
    return out;
  }

  /**
   * A client left or a deadline passed. Queued: leaves the line now. Running: frees its slot (the
   * gateway aborts the upstream call). Unknown or already finished: no-op, so a cancel racing a
   * finish, or a second cancel, never frees a slot twice.
   */
  cancel(jobId: string, reason: CancelReason): Dispatch[] {
    const record = this.#jobs.live(jobId);
    if (record === undefined) return [];
    let out: Dispatch[] = [];
    if (record.state === 'running') out = this.#endRunning(record, reason);
    else this.#leaveQueue(record, reason, 'cancelled');
    this.#commit();
    return out;
  }

  /** Sets the slots of one (backend, model); raising them starts waiting jobs at once. */
  setCapacity(backend: string, model: string, slots: number): Dispatch[] {
    this.#slots.setModel(backend, model, slots);
    const out: Dispatch[] = [];
    this.#fill(backend, model, out);
    this.#commit();
    return out;
  }

  /** Sets the slots of every model of `backend` without an explicit `setCapacity`. */
  setBackendDefaultSlots(backend: string, slots: number): Dispatch[] {
    this.#slots.setDefault(backend, slots);
    const out: Dispatch[] = [];
    for (const model of this.#policy.modelsWaitingOn(backend)) this.#fill(backend, model, out);
    this.#commit();
    return out;
  }

  /**
   * Takes a backend out of service: no new job starts there until it is configured again. Jobs
   * running there keep their slot until finished or cancelled. Waiting jobs that listed only
   * removed backends can never start: they fail now (`unavailable`) rather than wait forever.
   * O(live jobs); this is an operator action, not a per-request one.
   */
  removeBackend(backend: string): BackendRemoval {
    this.#slots.remove(backend);
    const stranded: StrandedJob[] = [];
    const waiting = [...this.#jobs.liveRecords()].filter(
      (r) => r.state === 'queued' && r.backends.includes(backend),
    );
    for (const record of waiting) {
      if (record.backends.some((b) => !this.#slots.isRemoved(b))) continue;
      this.#leaveQueue(record, 'failed', 'failed');
      stranded.push({
        jobId: record.id,
        error: new CorralError('unavailable', `no backend is left to serve model '${record.model}'`),
      });
    }
    this.#commit();
    return { dispatches: [], stranded };
  }

  get(jobId: string): JobInfo | undefined {
    const record = this.#jobs.get(jobId);
    if (record === undefined) return undefined;
    const isQueued = record.state === 'queued';
    const info = toJobInfo(record, isQueued ? this.#policy.position(jobId) : undefined);
    const eta = isQueued ? this.estimate(jobId) : undefined;
    return eta ? { ...info, startInMs: eta.startInMs, finishInMs: eta.finishInMs } : info;
  }

  /** Predicted start and finish of a waiting job (needs the `eta` option), O(log n). */
  estimate(jobId: string): Eta | undefined {
    const record = this.#jobs.live(jobId);
    return record && this.#eta.estimate(record);
  }

  /**
   * Lets time-based reordering (aging) happen now and announces the positions it moved. Never
   * starts a job (aging reorders waiting jobs; it frees no slot). Optional: aging also happens
   * lazily on every call that touches a model; a periodic tick only makes positions fresher.
   */
  tick(): void {
    this.#policy.advance?.();
    this.#commit();
  }

  /** Subscribes an observer; returns the unsubscribe function. */
  on<T extends SchedulerEventType>(type: T, listener: Listener<T>): () => void {
    return this.#bus.on(type, listener);
  }

  /** Plain JSON-able status (`GET /api/status`). */
  snapshot(): SchedulerSnapshot {
    const snapshot = this.#stats.snapshot({
      queuedByModel: this.#policy.lengths(),
      runningByBackend: this.#slots.runningTable(),
    });
    const eta = this.#eta.stats();
    return eta ? { ...snapshot, eta } : snapshot;
  }

  #admit(spec: JobSpec): SubmitDecision {
    const invalid = validateJob(spec, (id) => this.#jobs.live(id) !== undefined, this.#slots);
    if (invalid) return this.#reject(spec, invalid);
    const record = newRecord(this.#eta.prepare(spec), this.#clock.now());
    record.priorityClass = this.#policy.classFor?.(record) ?? DEFAULT_CLASS;
    this.#eta.arrived(record);
    // Invariant 2 makes this fair: nobody who could use this free slot is waiting.
    const free = record.backends.find((b) => this.#slots.free(b, record.model) > 0);
    if (free !== undefined && this.#policy.mayStart?.(record) !== false) {
      this.#jobs.add(record);
      this.#start(record, free);
      return { type: 'dispatch', jobId: record.id, backend: free };
    }
    const refusal = this.#policy.admit?.(record);
    if (refusal)
      return this.#reject(spec, tenantLimitError(refusal, this.#limits, this.#estimate(record.model)));
    const full = checkQueueBounds(record.model, this.#policy, this.#limits, this.#estimate(record.model));
    if (full) return this.#reject(spec, full);
    this.#jobs.add(record);
    const position = this.#policy.push(record);
    // FIFO appends (nobody moves); a priority policy may insert ahead of others.
    this.#noteMoved(record.model, position + 1);
    const { id: jobId, model, tenant } = record;
    this.#bus.stage({ type: 'queued', jobId, model, tenant, position, ahead: position - 1 });
    this.#eta.queued(record);
    this.#stats.jobQueued(keysOf(record));
    return { type: 'queued', jobId, position, ahead: position - 1 };
  }

  #reject(spec: JobSpec, error: CorralError): SubmitDecision {
    this.#stats.recordRejection(error.kind);
    return { type: 'rejected', jobId: spec.id, error };
  }

  /** Takes a slot on `backend` for a job that is waiting or was just admitted. */
  #start(record: JobRecord, backend: string): void {
    const now = this.#clock.now();
    const position = this.#policy.remove(record.id, 'dispatched');
    if (position !== undefined) this.#noteMoved(record.model, position);
    record.state = 'running';
    record.backend = backend;
    record.startedAtMs = now;
    this.#slots.acquire(backend, record.model);
    this.#policy.started?.(record, position !== undefined);
    this.#eta.started(record, backend);
    this.#stats.jobStarted(keysOf(record), now - record.enqueuedAtMs, position !== undefined);
    const { id: jobId, model, tenant } = record;
    this.#bus.stage({ type: 'dispatched', jobId, model, tenant, backend, waitMs: now - record.enqueuedAtMs });
  }

  /** Starts waiting jobs on (backend, model) while it has free slots (restores invariant 2). */
  #fill(backend: string, model: string, out: Dispatch[]): void {
    while (this.#slots.free(backend, model) > 0) {
      const next = this.#policy.peekFor(backend, model);
      if (next === undefined) return;
      const record = this.#jobs.live(next.id);
      if (record?.state !== 'queued') throw new Error(`policy offered job ${next.id}, which is not waiting`);
      this.#start(record, backend);
      out.push({ jobId: record.id, backend });
    }
  }

  /** The only place a slot is released (invariant 3). */
  #endRunning(record: JobRecord, state: FinishOutcome | CancelReason, usage?: JobUsage): Dispatch[] {
    const backend = record.backend;
    if (backend === undefined) throw new Error(`running job ${record.id} has no backend`);
    this.#slots.release(backend, record.model);
    this.#retire(record, state);
    const { id: jobId, model, tenant } = record;
    const processingMs = (record.finishedAtMs ?? 0) - (record.startedAtMs ?? 0);
    this.#bus.stage(
      state === 'done' || state === 'failed'
        ? { type: 'finished', jobId, model, tenant, state, backend, processingMs }
        : { type: 'cancelled', jobId, model, tenant, state, wasRunning: true, backend },
    );
    this.#eta.ended(record, usage); // before filling: the next job's ETA uses the new rates
    // Before filling: a tenant that drops below its in-flight cap may start jobs here and elsewhere.
    const unblocked = this.#policy.ended?.(record) ?? [];
    const out: Dispatch[] = [];
    this.#fill(backend, record.model, out);
    for (const line of unblocked) this.#fill(line.backend, line.model, out);
    return out;
  }

  #leaveQueue(record: JobRecord, state: CancelReason | 'failed', reason: LeaveReason): void {
    const position = this.#policy.remove(record.id, reason);
    if (position !== undefined) this.#noteMoved(record.model, position);
    this.#retire(record, state);
    this.#eta.ended(record);
    const { id: jobId, model, tenant } = record;
    this.#bus.stage(
      state === 'failed'
        ? { type: 'finished', jobId, model, tenant, state }
        : { type: 'cancelled', jobId, model, tenant, state, wasRunning: false },
    );
  }

  #retire(record: JobRecord, state: FinalState): void {
    const now = this.#clock.now();
    const wasRunning = record.state === 'running';
    this.#jobs.retire(record, state, now);
    const started = record.startedAtMs;
    const keys = keysOf(record);
    this.#stats.jobLeft(keys, wasRunning);
    this.#stats.recordCompletion({
      id: record.id,
      model: record.model,
      tenant: record.tenant,
      priority: keys.priority,
      ...(record.backend === undefined ? {} : { backend: record.backend }),
      state,
      waitMs: started === undefined ? null : started - record.enqueuedAtMs,
      processingMs: started === undefined ? null : now - started,
      finishedAtMs: now,
    });
  }

  #noteMoved(model: string, fromPosition: number): void {
    const known = this.#moved.get(model);
    if (known === undefined || fromPosition < known) this.#moved.set(model, fromPosition);
  }

  /** Ends an operation: one `positions_changed` per model whose line moved, then delivery. */
  #commit(): void {
    for (const [model, fromPosition] of this.#policy.takeMoved?.() ?? [])
      this.#noteMoved(model, fromPosition);
    for (const [model, fromPosition] of this.#moved) {
      const length = this.#policy.lengthOf(model);
      if (fromPosition <= length) this.#bus.stage({ type: 'positions_changed', model, fromPosition, length });
    }
    this.#moved.clear();
    this.#bus.flush();
  }

  #estimate(model: string): {
    avgProcessingMs: number | null;
    runningTotal: number;
    runningForModel: number;
  } {
    let runningForModel = 0;
    for (const models of this.#slots.runningTable().values()) runningForModel += models.get(model) ?? 0;
    return { avgProcessingMs: this.#stats.avgProcessingMs(), runningTotal: this.running, runningForModel };
  }
}
