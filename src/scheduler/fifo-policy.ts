import { LinkedQueue } from './linked-queue.js';
import type { ListNode } from './linked-queue.js';
import type { LeaveReason, QueuePolicy } from './queue-policy.js';
import { RankedQueue } from './ranked-queue.js';
import type { QueuedJob } from './types.js';

interface FifoEntry {
  readonly job: QueuedJob;
  /** Slot in the model's `RankedQueue` (written by it). */
  slot: number;
  /** One node per eligible backend, in that backend's line for this model. */
  readonly links: Array<{ readonly line: LinkedQueue<FifoEntry>; readonly node: ListNode<FifoEntry> }>;
}

/**
 * First come, first served per model: the default policy.
 *
 * Two views of the same waiting jobs, updated together:
 * - per model, a `RankedQueue` in arrival order answers positions in O(log n);
 * - per (backend, model), a `LinkedQueue` ("line") in arrival order holds the jobs that backend
 *   may serve, so `peekFor` is the head of one line: O(1), however the jobs' backend lists mix.
 * A job listing k backends sits in k lines (k is usually 1). Both views drop empty containers, so
 * memory is proportional to the waiting jobs, never to how many have passed.
 *
 * Equal arrival order in both views makes the head of a line the oldest waiting job of that
 * model that the backend can serve, which is FIFO per model across several backends.
 */
export class FifoPolicy implements QueuePolicy {
  readonly #entries = new Map<string, FifoEntry>();
  readonly #byModel = new Map<string, RankedQueue<FifoEntry>>();
  /** backend -> model -> line. */
  readonly #lines = new Map<string, Map<string, LinkedQueue<FifoEntry>>>();

  get size(): number {
    return this.#entries.size;
  }

  push(job: QueuedJob): number {
    if (this.#entries.has(job.id)) throw new Error(`FifoPolicy.push: job ${job.id} is already waiting`);
    const entry: FifoEntry = { job, slot: -1, links: [] };
    for (const backend of new Set(job.backends)) {
      const line = this.#line(backend, job.model);
      entry.links.push({ line, node: line.push(entry) });
    }
    this.#entries.set(job.id, entry);
    let queue = this.#byModel.get(job.model);
    if (!queue) this.#byModel.set(job.model, (queue = new RankedQueue<FifoEntry>()));
    return queue.push(entry);
  }

  remove(jobId: string, _reason: LeaveReason): number | undefined {
    const entry = this.#entries.get(jobId);
    if (!entry) return undefined;
    this.#entries.delete(jobId);
    const { model } = entry.job;
    for (const { line, node } of entry.links) line.remove(node);
    for (const backend of new Set(entry.job.backends)) this.#dropLineIfEmpty(backend, model);
    const queue = this.#byModel.get(model);
    if (!queue) throw new Error(`FifoPolicy: no queue for model ${model}`); // invariant broken
    const position = queue.remove(entry);
    if (queue.size === 0) this.#byModel.delete(model);
    return position;
  }

  peekFor(backend: string, model: string): QueuedJob | undefined {
    return this.#lines.get(backend)?.get(model)?.peek()?.job;
  }

  position(jobId: string): number | undefined {
    const entry = this.#entries.get(jobId);
    if (!entry) return undefined;
    return this.#byModel.get(entry.job.model)?.rank(entry);
  }

  lengthOf(model: string): number {
    return this.#byModel.get(model)?.size ?? 0;
  }

  lengths(): Map<string, number> {
    return new Map([...this.#byModel].map(([model, queue]) => [model, queue.size]));
  }

  modelsWaitingOn(backend: string): string[] {
    return [...(this.#lines.get(backend)?.keys() ?? [])];
  }

  #line(backend: string, model: string): LinkedQueue<FifoEntry> {
    let models = this.#lines.get(backend);
    if (!models) this.#lines.set(backend, (models = new Map()));
    let line = models.get(model);
    if (!line) models.set(model, (line = new LinkedQueue<FifoEntry>()));
    return line;
  }

  #dropLineIfEmpty(backend: string, model: string): void {
    const models = this.#lines.get(backend);
    if (models?.get(model)?.size !== 0) return;
    models.delete(model);
    if (models.size === 0) this.#lines.delete(backend);
  }
}
