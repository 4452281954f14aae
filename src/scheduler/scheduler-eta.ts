import type { Eta, EtaEstimator, PredictionErrorStats } from './eta.js';
import type { JobRecord } from './job-registry.js';
import type { QueuePolicy } from './queue-policy.js';
import type { SlotTable } from './slot-table.js';
import type { JobSpec } from './types.js';

/** What the gateway measured for a finished generation; feeds the `EtaEstimator`. */
export interface JobUsage {
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly loadMs?: number;
  readonly promptEvalMs?: number;
  readonly evalMs?: number;
}

/**
 * The scheduler's side of ETA: it feeds the estimator what only the scheduler sees (arrivals,
 * dispatches, departures, the policy's order) and asks it for predictions. Every method is a
 * no-op without an estimator, so the scheduler reads the same with ETA on or off.
 */
export class SchedulerEta {
  readonly #eta: EtaEstimator | undefined;
  readonly #policy: QueuePolicy;
  readonly #slots: SlotTable;

  constructor(eta: EtaEstimator | undefined, policy: QueuePolicy, slots: SlotTable) {
    this.#eta = eta;
    this.#policy = policy;
    this.#slots = slots;
  }

  /**
   * A job with no output estimate gets the model's history, capped by its max tokens (it sets
   * cost and ETA). Without an estimator, max tokens is the only estimate there is.
   */
  prepare(spec: JobSpec): JobSpec {
    if (spec.expectedOutputTokens !== undefined) return spec;
    if (!this.#eta) {
      const max = spec.maxOutputTokens;
      return max === undefined ? spec : { ...spec, expectedOutputTokens: max };
    }
    return {
      ...spec,
      expectedOutputTokens: this.#eta.expectedOutputTokens(spec.model, spec.maxOutputTokens),
    };
  }

  arrived(record: JobRecord): void {
    const backend = record.backends[0];
    if (!this.#eta || backend === undefined) return;
    const { model, tenant } = record;
    const serviceMs = this.#eta.serviceMs(
      backend,
      model,
      record.promptTokens ?? 0,
      record.expectedOutputTokens ?? 0,
    );
    this.#eta.observeArrival(model, tenant, serviceMs);
  }

  /** Records the start predicted at enqueue; it is scored when the job starts. */
  queued(record: JobRecord): void {
    const eta = this.estimate(record);
    if (eta) this.#eta?.recordPrediction(record.id, eta.startInMs);
  }

  started(record: JobRecord, backend: string): void {
    this.#eta?.observeStart({
      jobId: record.id,
      backend,
      model: record.model,
      promptTokens: record.promptTokens ?? 0,
      outputTokens: record.expectedOutputTokens ?? 0,
      enqueuedAtMs: record.enqueuedAtMs,
    });
  }

  /** The job left the queue or its slot; with usage of a `done` job, the rates learn from it. */
  ended(record: JobRecord, usage?: JobUsage): void {
    this.#eta?.observeEnd(record.id);
    const { backend, startedAtMs, finishedAtMs } = record;
    if (!usage || record.state !== 'done' || backend === undefined) return;
    const processingMs = (finishedAtMs ?? 0) - (startedAtMs ?? 0);
    this.#eta?.observeCompletion({ ...usage, backend, model: record.model, processingMs });
  }

  /**
   * The ETA of a waiting job under the policy in use: the work ahead comes from the policy's own
   * order (`workAhead`, a prefix sum) when it has one, else from its position times this job's
   * size (FIFO keeps no token sums).
   */
  estimate(record: JobRecord): Eta | undefined {
    if (!this.#eta || record.state !== 'queued') return undefined;
    const outputTokens = record.expectedOutputTokens ?? this.#eta.expectedOutputTokens(record.model);
    const promptTokens = record.promptTokens ?? 0;
    let ahead = this.#policy.workAhead?.(record.id);
    if (ahead === undefined) {
      const position = this.#policy.position(record.id);
      if (position === undefined) return undefined;
      const jobs = position - 1;
      ahead = { jobs, promptTokens: jobs * promptTokens, outputTokens: jobs * outputTokens };
    }
    const backends = record.backends.map((backend) => ({
      backend,
      slots: this.#slots.slots(backend, record.model),
    }));
    return this.#eta.estimate({
      model: record.model,
      tenant: record.tenant,
      backends,
      ahead,
      promptTokens,
      outputTokens,
    });
  }

  stats(): PredictionErrorStats | undefined {
    return this.#eta?.errorStats();
  }
}
