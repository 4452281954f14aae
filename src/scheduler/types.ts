/**
 * The scheduler's public vocabulary. Decisions are data (STYLE.md, llama-swap): the scheduler
 * says who starts where, and the gateway resolves promises and opens upstream calls.
 */
import type { CorralError } from '../core/errors.js';
import type { Priority } from '../core/chat.js';

/** One request waiting for, or holding, a slot. */
export interface JobSpec {
  /** Gateway request id (`x-request-id`); unique among queued and running jobs. */
  readonly id: string;
  readonly model: string;
  readonly tenant: string;
  readonly priority?: Priority;
  /** Estimated cost in tokens, for a weighted-fair policy; FIFO ignores it. */
  readonly costTokens?: number;
  /** Prompt tokens (estimated by the gateway); used for cost and ETA when present. */
  readonly promptTokens?: number;
  /** Expected output tokens; for cost and ETA. When absent, the ETA estimator plans one. */
  readonly expectedOutputTokens?: number;
  /**
   * The client's output limit (max tokens). Without `expectedOutputTokens`, the estimator plans
   * the model's recent mean output capped by this (a `max_tokens` of 4,096 on a reply of 200 would
   * otherwise inflate both the ETA and the job's cost twenty-fold).
   */
  readonly maxOutputTokens?: number;
  /** Backends that may serve this job, in the router's order of preference. */
  readonly backends: readonly string[];
}

/** A job as policies see it: the spec plus when it arrived. */
export interface QueuedJob extends JobSpec {
  readonly enqueuedAtMs: number;
}

/** `fallback`: left the local queue for the cloud fallback (it goes on there, outside the scheduler). */
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'timed_out' | 'fallback';
export type FinalState = Exclude<JobState, 'queued' | 'running'>;
export type FinishOutcome = 'done' | 'failed';
export type CancelReason = 'cancelled' | 'timed_out' | 'fallback';

/** "Start job `jobId` on `backend` now": a slot has already been taken for it. */
export interface Dispatch {
  readonly jobId: string;
  readonly backend: string;
}

export type SubmitDecision =
  | { readonly type: 'dispatch'; readonly jobId: string; readonly backend: string }
  /** `position` is 1-based among the jobs waiting for the same model; `ahead` = position - 1. */
  | { readonly type: 'queued'; readonly jobId: string; readonly position: number; readonly ahead: number }
  | { readonly type: 'rejected'; readonly jobId: string; readonly error: CorralError };

/** A queued job that no remaining backend can serve; it is now `failed`. */
export interface StrandedJob {
  readonly jobId: string;
  readonly error: CorralError;
}

export interface BackendRemoval {
  readonly dispatches: readonly Dispatch[];
  readonly stranded: readonly StrandedJob[];
}

/** What `get(jobId)` answers (`GET /api/queue/{id}`). Times are on the injected clock. */
export interface JobInfo {
  readonly id: string;
  readonly state: JobState;
  readonly model: string;
  readonly tenant: string;
  readonly backend?: string;
  readonly position?: number;
  readonly ahead?: number;
  /** Predicted wait before it starts and before it ends, for a waiting job when ETA is on. */
  readonly startInMs?: number;
  readonly finishInMs?: number;
  readonly enqueuedAtMs: number;
  readonly startedAtMs?: number;
  readonly finishedAtMs?: number;
}

/** Observer events (`Scheduler.on`). Observers only observe: they cannot change a decision. */
export type SchedulerEvent =
  | {
      readonly type: 'queued';
      readonly jobId: string;
      readonly model: string;
      readonly tenant: string;
      readonly position: number;
      readonly ahead: number;
    }
  | {
      readonly type: 'dispatched';
      readonly jobId: string;
      readonly model: string;
      readonly tenant: string;
      readonly backend: string;
      readonly waitMs: number;
    }
  | {
      readonly type: 'finished';
      readonly jobId: string;
      readonly model: string;
      readonly tenant: string;
      readonly state: FinishOutcome;
      /** Undefined for a queued job failed because its backends went away. */
      readonly backend?: string;
      readonly processingMs?: number;
    }
  | {
      readonly type: 'cancelled';
      readonly jobId: string;
      readonly model: string;
      readonly tenant: string;
      readonly state: CancelReason;
      /** True when the job held a slot (its upstream call must be aborted). */
      readonly wasRunning: boolean;
      readonly backend?: string;
    }
  /**
   * The jobs of `model` now at positions `>= fromPosition` moved (up after a departure, or down
   * if a policy inserted ahead of them); those before `fromPosition` did not. `length` is the
   * model's queue length now. One event per model per operation, built in O(1): the gateway asks
   * `get(id)` for the waiters it is watching instead of receiving a list of every moved job.
   */
  | {
      readonly type: 'positions_changed';
      readonly model: string;
      readonly fromPosition: number;
      readonly length: number;
    };

export type SchedulerEventType = SchedulerEvent['type'];
export type SchedulerEventOf<T extends SchedulerEventType> = Extract<SchedulerEvent, { type: T }>;
