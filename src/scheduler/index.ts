/** The scheduler's public surface (the gateway and metrics import from here only). */
export { Scheduler } from './scheduler.js';
export type { SchedulerOptions } from './scheduler.js';
export type { JobUsage } from './scheduler-eta.js';
export { FairPolicy } from './fair-policy.js';
export type { FairPolicyOptions } from './fair-policy.js';
export { EtaEstimator } from './eta.js';
export type {
  CompletionObservation,
  Eta,
  EtaOptions,
  EtaQuery,
  PredictionErrorStats,
  StartObservation,
} from './eta.js';
export { openTenants, PriorityClasses } from './tenants.js';
export type { TenantLookup, TenantSettings } from './tenants.js';
export { FifoPolicy } from './fifo-policy.js';
export type { LeaveReason, PolicyLine, PolicyRefusal, QueuePolicy, WorkAhead } from './queue-policy.js';
export type { Listener, ListenerErrorHandler } from './event-bus.js';
export { SchedulerStats, seedQueueStats } from './stats.js';
export type {
  CompletionSample,
  GroupStatus,
  JobKeys,
  LiveCounts,
  SchedulerSnapshot,
  SeedQueueStats,
  StatsOptions,
} from './stats.js';
export { DEFAULT_SLOTS } from './slot-table.js';
export type {
  BackendRemoval,
  CancelReason,
  Dispatch,
  FinalState,
  FinishOutcome,
  JobInfo,
  JobSpec,
  JobState,
  QueuedJob,
  SchedulerEvent,
  SchedulerEventOf,
  SchedulerEventType,
  StrandedJob,
  SubmitDecision,
} from './types.js';
