import type { FinalState, JobInfo, JobSpec, JobState, QueuedJob } from './types.js';

/** The scheduler's record of one job; only the scheduler mutates it. */
export interface JobRecord extends QueuedJob {
  state: JobState;
  /** The priority class it was admitted in (the policy's answer; before aging), for stats. */
  priorityClass?: string;
  backend?: string;
  startedAtMs?: number;
  finishedAtMs?: number;
}

/**
 * Queued and running jobs, plus a capped memory of finished ones so `GET /api/queue/{id}` can
 * still answer "done" for a while (the seed kept results up to 30 minutes and swept them with a
 * scan; this keeps the last `recentLimit` and evicts in O(1)).
 *
 * Invariants:
 * - a live record has state queued or running and is never evicted;
 * - `#recent` holds at most `recentLimit` finished records, and `#ring` remembers the order they
 *   finished in: `#ring[#head]` is the oldest slot. A ring slot may hold a record that has already
 *   left `#recent` (its id was reused by a new job); eviction checks identity, so it never drops
 *   the newer record by mistake.
 */
export class JobRegistry {
  readonly #live = new Map<string, JobRecord>();
  readonly #recent = new Map<string, JobRecord>();
  readonly #ring: Array<JobRecord | undefined>;
  #head = 0;

  constructor(recentLimit: number) {
    if (!Number.isInteger(recentLimit) || recentLimit < 0) {
      throw new RangeError(`recentLimit must be an integer >= 0, got ${recentLimit}`);
    }
    this.#ring = new Array<JobRecord | undefined>(recentLimit);
  }

  get liveCount(): number {
    return this.#live.size;
  }

  get recentCount(): number {
    return this.#recent.size;
  }

  live(id: string): JobRecord | undefined {
    return this.#live.get(id);
  }

  get(id: string): JobRecord | undefined {
    return this.#live.get(id) ?? this.#recent.get(id);
  }

  liveRecords(): IterableIterator<JobRecord> {
    return this.#live.values();
  }

  /** Adds a new live job; a finished job with the same id is forgotten (its id is reused). */
  add(record: JobRecord): void {
    this.#recent.delete(record.id);
    this.#live.set(record.id, record);
  }

  /** Moves a live job to the finished memory, evicting the oldest finished one if full. */
  retire(record: JobRecord, state: FinalState, atMs: number): void {
    record.state = state;
    record.finishedAtMs = atMs;
    this.#live.delete(record.id);
    if (this.#ring.length === 0) return;
    const oldest = this.#ring[this.#head];
    if (oldest !== undefined && this.#recent.get(oldest.id) === oldest) this.#recent.delete(oldest.id);
    this.#ring[this.#head] = record;
    this.#head = (this.#head + 1) % this.#ring.length;
    this.#recent.set(record.id, record);
  }
}

/** The public view of a record: a copy, so callers cannot reach scheduler state. */
export function toJobInfo(record: JobRecord, position: number | undefined): JobInfo {
  return {
    id: record.id,
    state: record.state,
    model: record.model,
    tenant: record.tenant,
    enqueuedAtMs: record.enqueuedAtMs,
    ...(record.backend === undefined ? {} : { backend: record.backend }),
    ...(position === undefined ? {} : { position, ahead: position - 1 }),
    ...(record.startedAtMs === undefined ? {} : { startedAtMs: record.startedAtMs }),
    ...(record.finishedAtMs === undefined ? {} : { finishedAtMs: record.finishedAtMs }),
  };
}

/** Copies only the fields the scheduler keeps (the caller may pass a larger object). */
export function newRecord(spec: JobSpec, nowMs: number): JobRecord {
  return {
    id: spec.id,
    model: spec.model,
    tenant: spec.tenant,
    ...(spec.priority === undefined ? {} : { priority: spec.priority }),
    ...(spec.costTokens === undefined ? {} : { costTokens: spec.costTokens }),
    ...(spec.promptTokens === undefined ? {} : { promptTokens: spec.promptTokens }),
    ...(spec.expectedOutputTokens === undefined ? {} : { expectedOutputTokens: spec.expectedOutputTokens }),
    backends: [...new Set(spec.backends)],
    enqueuedAtMs: nowMs,
    state: 'queued',
  };
}
