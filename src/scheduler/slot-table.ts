/** Ollama's `OLLAMA_NUM_PARALLEL` default: one request per loaded model at a time. */
export const DEFAULT_SLOTS = 1;

/**
 * Slots per (backend, model) and how many are taken.
 *
 * `slots(b, m)` is the explicit `setModel` value, else the backend's default, else
 * `DEFAULT_SLOTS`; a removed backend has 0 until it is configured again. Running counts are kept
 * apart from configuration on purpose: lowering capacity or removing a backend does not forget
 * the requests still running there, so when it comes back it is not handed more than its slots.
 *
 * Invariant: `#running` holds only positive counts (zero entries are deleted), so its size is
 * bounded by the pairs actually busy.
 */
export class SlotTable {
  readonly #defaults = new Map<string, number>();
  readonly #explicit = new Map<string, Map<string, number>>();
  readonly #running = new Map<string, Map<string, number>>();
  readonly #removed = new Set<string>();

  slots(backend: string, model: string): number {
    if (this.#removed.has(backend)) return 0;
    return this.#explicit.get(backend)?.get(model) ?? this.#defaults.get(backend) ?? DEFAULT_SLOTS;
  }

  running(backend: string, model: string): number {
    return this.#running.get(backend)?.get(model) ?? 0;
  }

  free(backend: string, model: string): number {
    return Math.max(0, this.slots(backend, model) - this.running(backend, model));
  }

  isRemoved(backend: string): boolean {
    return this.#removed.has(backend);
  }

  acquire(backend: string, model: string): void {
    let models = this.#running.get(backend);
    if (!models) this.#running.set(backend, (models = new Map()));
    models.set(model, (models.get(model) ?? 0) + 1);
  }

  /** Gives back one slot; the caller guarantees it was acquired (job state makes this exact-once). */
  release(backend: string, model: string): void {
    const models = this.#running.get(backend);
    const count = models?.get(model) ?? 0;
    if (!models || count <= 0) throw new Error(`SlotTable.release: nothing running on ${backend}/${model}`);
    if (count > 1) return void models.set(model, count - 1);
    models.delete(model);
    if (models.size === 0) this.#running.delete(backend);
  }

  setDefault(backend: string, slots: number): void {
    assertSlots(slots);
    this.#removed.delete(backend);
    this.#defaults.set(backend, slots);
  }

  setModel(backend: string, model: string, slots: number): void {
    assertSlots(slots);
    this.#removed.delete(backend);
    let models = this.#explicit.get(backend);
    if (!models) this.#explicit.set(backend, (models = new Map()));
    models.set(model, slots);
  }

  remove(backend: string): void {
    this.#defaults.delete(backend);
    this.#explicit.delete(backend);
    this.#removed.add(backend);
  }

  /** backend -> model -> running count, only non-zero entries. */
  runningTable(): ReadonlyMap<string, ReadonlyMap<string, number>> {
    return this.#running;
  }
}

function assertSlots(slots: number): void {
  if (!Number.isInteger(slots) || slots < 0)
    throw new RangeError(`slot count must be an integer >= 0, got ${slots}`);
}
