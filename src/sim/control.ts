/**
 * The in-process control plane (docs/sim.md): typed events, counters, and hold/release gates.
 * Faults cannot touch it, and tests wait on its events instead of sleeping.
 */

export type SimEndpoint = 'chat' | 'generate' | 'embed' | 'embeddings';
export type UnloadReason = 'expired' | 'evicted' | 'reload' | 'unload_request' | 'load_aborted' | 'shutdown';

/** A native request as the emulator decoded it (docs/sim.md, `request_received`). */
export interface ReceivedRequest {
  /** Bound like Ollama's Go structs: known fields only, keys in their canonical spelling. */
  body: Record<string, unknown>;
  /** The JSON as parsed, before binding: unknown fields a client sent are still here. */
  json: unknown;
  /** Request headers, lower-cased names. */
  headers: Record<string, string | undefined>;
}

export type SimEvent =
  /**
   * A native chat/generate/embed/embeddings body was decoded, before planning or queueing: what
   * Ollama actually received. Emitted only when someone listens.
   */
  | ({ type: 'request_received'; endpoint: SimEndpoint; model: string } & ReceivedRequest)
  /** The request must wait: for a model load (pending-load queue or a load in progress) or a slot. */
  | { type: 'request_queued'; id: string; model: string; endpoint: SimEndpoint; waitingFor: 'load' | 'slot' }
  /** A generation actually began on a slot. */
  | {
      type: 'request_started';
      id: string;
      model: string;
      endpoint: SimEndpoint;
      busySlots: number;
      waitedForLoad: boolean;
    }
  | { type: 'request_held'; id: string; model: string; label: string | undefined }
  | {
      type: 'request_finished';
      id: string;
      model: string;
      endpoint: SimEndpoint;
      doneReason: string;
      evalCount: number;
      failed: boolean;
    }
  /** The client went away. `queued` is true when no slot had been granted yet. */
  | {
      type: 'request_aborted';
      id: string;
      model: string;
      endpoint: SimEndpoint;
      phase: 'queued' | 'generating';
      queued: boolean;
    }
  | { type: 'queue_full'; model: string }
  | { type: 'model_loading'; model: string; numCtx: number }
  | { type: 'model_loaded'; model: string; numCtx: number; loadMs: number }
  | { type: 'model_unloaded'; model: string; reason: UnloadReason };

export type SimEventType = SimEvent['type'];
export type SimEventOf<T extends SimEventType> = Extract<SimEvent, { type: T }>;

export interface SimStats {
  /** Requests generating right now, per model. */
  active: Record<string, number>;
  /** Requests waiting for a load or a slot, per model. */
  queued: Record<string, number>;
  served: number;
  aborted: number;
  failed: number;
  rejected: number;
  loads: number;
  unloads: number;
}

type Listener = (e: SimEvent) => void;

interface Hold {
  id: string;
  label: string | undefined;
  release: () => void;
}

export class SimControl {
  readonly #listeners = new Map<SimEventType, Set<Listener>>();
  readonly #active = new Map<string, number>();
  readonly #queued = new Map<string, number>();
  readonly #holds = new Set<Hold>();
  readonly counters = { served: 0, aborted: 0, failed: 0, rejected: 0, loads: 0, unloads: 0 };

  /** Subscribes to one event type; returns the unsubscribe function. */
  on<T extends SimEventType>(type: T, fn: (e: SimEventOf<T>) => void): () => void {
    let set = this.#listeners.get(type);
    if (!set) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    const listener = fn as Listener;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Resolves with the next event of `type` that matches `filter`. Subscribe before acting. */
  waitFor<T extends SimEventType>(type: T, filter?: (e: SimEventOf<T>) => boolean): Promise<SimEventOf<T>> {
    return new Promise((resolve) => {
      const off = this.on(type, (e) => {
        if (filter && !filter(e)) return;
        off();
        resolve(e);
      });
    });
  }

  /** Cheap check so hot paths can skip building event objects nobody listens to. */
  wants(type: SimEventType): boolean {
    const set = this.#listeners.get(type);
    return set !== undefined && set.size > 0;
  }

  emit(e: SimEvent): void {
    const set = this.#listeners.get(e.type);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(e);
      } catch (err) {
        // A failing listener must not leave the engine half-updated (a slot never freed):
        // report it out of band instead of unwinding through the scheduler.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  adjustActive(model: string, delta: number): void {
    bump(this.#active, model, delta);
  }

  adjustQueued(model: string, delta: number): void {
    bump(this.#queued, model, delta);
  }

  stats(): SimStats {
    return {
      active: Object.fromEntries(this.#active),
      queued: Object.fromEntries(this.#queued),
      ...this.counters,
    };
  }

  /** Waits until `release(id or label)`, `releaseAll()` or the signal aborts. */
  hold(id: string, label: string | undefined, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const entry: Hold = {
        id,
        label,
        release: () => {
          this.#holds.delete(entry);
          signal.removeEventListener('abort', entry.release);
          resolve();
        },
      };
      this.#holds.add(entry);
      signal.addEventListener('abort', entry.release, { once: true });
    });
  }

  /** Releases holds whose request id or label equals `key`; returns how many were released. */
  release(key: string): number {
    let n = 0;
    for (const h of [...this.#holds]) {
      if (h.id === key || h.label === key) {
        h.release();
        n++;
      }
    }
    return n;
  }

  releaseAll(): number {
    const n = this.#holds.size;
    for (const h of [...this.#holds]) h.release();
    return n;
  }

  /** Ids of the requests currently held. */
  held(): string[] {
    return [...this.#holds].map((h) => h.id);
  }
}

function bump(map: Map<string, number>, key: string, delta: number): void {
  const n = (map.get(key) ?? 0) + delta;
  if (n === 0) map.delete(key);
  else map.set(key, n);
}
