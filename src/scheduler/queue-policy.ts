import type { QueuedJob } from './types.js';

/** Why a job leaves the waiting line: a fair policy charges a tenant on `dispatched` only. */
export type LeaveReason = 'dispatched' | 'cancelled' | 'failed';

/** One (backend, model) line whose waiting jobs may start now (a tenant dropped below its cap). */
export interface PolicyLine {
  readonly backend: string;
  readonly model: string;
}

/** Why a policy refuses to queue a job; the scheduler turns it into a `CorralError`. */
export type PolicyRefusal = {
  readonly type: 'tenant_queue_full';
  readonly tenant: string;
  readonly limit: number;
};

/** The waiting work a job would see ahead of it if it were next in line at its position. */
export interface WorkAhead {
  readonly jobs: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  /**
   * Cost (tokens) a fair policy expects to serve before this job if the tenants now waiting stay
   * busy: jobs not yet submitted may still be ordered ahead of it. Absent for FIFO (nobody can).
   */
  readonly fairShareCostTokens?: number;
}

/**
 * The ordering policy: who waits where, and who goes next when a slot frees. The scheduler owns
 * slots and job states; the policy owns only the order of *waiting* jobs (p-queue's `Queue`
 * interface, `source/queue.ts`, plays the same role). FIFO is the default (`FifoPolicy`); a
 * weighted-fair or priority policy implements the same interface and is passed to the
 * `Scheduler` constructor (see design.md, "Plugging in a fair policy").
 *
 * Contract (the scheduler relies on it):
 * - Every call is synchronous and O(log n) or better; nothing here does I/O or reads a clock
 *   except through one injected at construction.
 * - `push` is called once per job, with an id not currently held; `remove` of an id not held
 *   returns undefined and changes nothing.
 * - `peekFor(backend, model)` returns the job that should start next on a free slot of that
 *   (backend, model), or undefined when no waiting job of that model lists that backend. It does
 *   not remove it: the scheduler calls `remove(id, 'dispatched')` when it starts the job.
 * - Positions are 1-based among the waiting jobs of one model, and they are dense: the jobs of
 *   a model hold positions 1..lengthOf(model).
 */
export interface QueuePolicy {
  /** Number of waiting jobs, all models. */
  readonly size: number;
  /** Adds a waiting job; returns its position. Jobs at positions after it moved down by one. */
  push(job: QueuedJob): number;
  /** Removes a waiting job; returns the position it had (jobs behind it moved up by one). */
  remove(jobId: string, reason: LeaveReason): number | undefined;
  peekFor(backend: string, model: string): QueuedJob | undefined;
  position(jobId: string): number | undefined;
  lengthOf(model: string): number;
  /** Waiting-job count per model, for models with at least one waiting job. */
  lengths(): Map<string, number>;
  /** Models with at least one waiting job that lists `backend` (used when a backend gains slots). */
  modelsWaitingOn(backend: string): string[];

  // Optional members: a tenant-aware policy (FairPolicy) implements them; FIFO needs none.
  /** The priority class a job is admitted in (hint clamped to its tenant), for stats. */
  classFor?(job: QueuedJob): string;
  /** Per-tenant admission, asked only for a job that would wait. */
  admit?(job: QueuedJob): PolicyRefusal | undefined;
  /** False while the job's tenant is at its in-flight cap: it must wait even if a slot is free. */
  mayStart?(job: QueuedJob): boolean;
  /** A job took a slot (`fromQueue` false: it started at submit without waiting). */
  started?(job: QueuedJob, fromQueue: boolean): void;
  /** A running job released its slot; returns lines whose jobs became startable (may be empty). */
  ended?(job: QueuedJob): readonly PolicyLine[];
  /** Waiting work dispatched before this job under the policy's order (for ETA). */
  workAhead?(jobId: string): WorkAhead | undefined;
  /** Applies time-based reordering (aging) now; positions it moved are reported by `takeMoved`. */
  advance?(): void;
  /** model -> smallest position that moved since the last call (aging moves jobs without a call). */
  takeMoved?(): ReadonlyMap<string, number>;
}
