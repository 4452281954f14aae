import { CorralError } from '../core/errors.js';
import type { PolicyRefusal, QueuePolicy } from './queue-policy.js';
import type { SlotTable } from './slot-table.js';
import type { JobSpec } from './types.js';

export interface AdmissionLimits {
  readonly maxQueued: number;
  readonly maxQueuedPerModel: number;
  readonly minRetryAfterMs: number;
  readonly maxRetryAfterMs: number;
}

/** Problems with the job itself (before any capacity question); undefined when it is acceptable. */
export function validateJob(
  spec: JobSpec,
  isLive: (id: string) => boolean,
  slots: SlotTable,
): CorralError | undefined {
  if (typeof spec.id !== 'string' || spec.id === '')
    return new CorralError('invalid_request', 'a job needs a non-empty id');
  if (typeof spec.model !== 'string' || spec.model === '') {
    return new CorralError('invalid_request', 'a job needs a model', { param: 'model' });
  }
  if (isLive(spec.id))
    return new CorralError('invalid_request', `request id '${spec.id}' is already queued or running`);
  if (!spec.backends.some((b) => !slots.isRemoved(b))) {
    return new CorralError('unavailable', `no backend is available for model '${spec.model}'`);
  }
  return undefined;
}

/**
 * `queue_full` when a waiting slot is not available: the global bound first, then the model's.
 *
 * `retryAfterMs` estimates when one waiting job will have left: the mean processing time over the
 * stats window divided by the jobs running in parallel for that bound (all, or the model's), and
 * clamped so a client neither hammers us nor is sent away for minutes on a cold estimate.
 */
export function checkQueueBounds(
  model: string,
  policy: QueuePolicy,
  limits: AdmissionLimits,
  estimate: { avgProcessingMs: number | null; runningTotal: number; runningForModel: number },
): CorralError | undefined {
  const retryAfter = (parallel: number): number => {
    const perJobMs = (estimate.avgProcessingMs ?? limits.minRetryAfterMs) / Math.max(1, parallel);
    return Math.round(Math.min(limits.maxRetryAfterMs, Math.max(limits.minRetryAfterMs, perJobMs)));
  };
  if (policy.size >= limits.maxQueued) {
    return new CorralError('queue_full', `the queue is full (${limits.maxQueued} waiting)`, {
      retryAfterMs: retryAfter(estimate.runningTotal),
    });
  }
  if (policy.lengthOf(model) >= limits.maxQueuedPerModel) {
    return new CorralError(
      'queue_full',
      `the queue for model '${model}' is full (${limits.maxQueuedPerModel} waiting)`,
      {
        retryAfterMs: retryAfter(estimate.runningForModel),
      },
    );
  }
  return undefined;
}

/** `rate_limited` for a tenant over its own waiting bound; it may retry when one of its jobs left. */
export function tenantLimitError(
  refusal: PolicyRefusal,
  limits: AdmissionLimits,
  estimate: { avgProcessingMs: number | null; runningTotal: number },
): CorralError {
  const perJobMs = (estimate.avgProcessingMs ?? limits.minRetryAfterMs) / Math.max(1, estimate.runningTotal);
  const retryAfterMs = Math.round(
    Math.min(limits.maxRetryAfterMs, Math.max(limits.minRetryAfterMs, perJobMs)),
  );
  return new CorralError(
    'rate_limited',
    `tenant '${refusal.tenant}' already has ${refusal.limit} requests waiting`,
    { retryAfterMs },
  );
}
