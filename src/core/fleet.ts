/**
 * The fleet as the pure layers see it: what each backend has installed and loaded, whether its
 * circuit lets traffic through, and what we measured there. `backends/fleet.ts` keeps it current;
 * the router decides from one immutable snapshot; `/api/status` shows it.
 */

/** closed = healthy; open = failing, out of routing until a probe succeeds; half_open = probing. */
export type CircuitState = 'closed' | 'open' | 'half_open';

/** What we measured for one model on one backend (exponentially weighted means). */
export interface ModelPerf {
  /** Processing time of a request, excluding the model load. */
  readonly serviceMs?: number;
  /** Time the last cold start on this host took to load the model. */
  readonly loadMs?: number;
}

export interface LoadedModelView {
  readonly name: string;
  readonly expiresAt: string;
  readonly contextLength?: number;
}

export interface BackendView {
  readonly name: string;
  readonly url: string;
  readonly weight: number;
  /** Slots per model the scheduler gives this backend (config `maxParallel`). */
  readonly slotsPerModel: number;
  /** Models that may be resident at once (Ollama's OLLAMA_MAX_LOADED_MODELS); loading more evicts. */
  readonly maxLoadedModels: number;
  readonly circuit: CircuitState;
  /** False until the first discovery answered: installed/loaded are then unknown, not empty. */
  readonly discovered: boolean;
  readonly version?: string;
  /** Installed model names, normalised (`llama3.2:latest`). */
  readonly installed: readonly string[];
  readonly loaded: readonly LoadedModelView[];
  readonly consecutiveFailures: number;
  readonly lastError?: string;
  /** Clock time of the last answered discovery. */
  readonly refreshedAtMs?: number;
  /** Measurements by normalised model name. */
  readonly perf: Readonly<Record<string, ModelPerf>>;
}

export interface FleetSnapshot {
  readonly atMs: number;
  readonly backends: readonly BackendView[];
}

export type FleetEvent =
  | { readonly type: 'circuit_opened'; readonly backend: string; readonly error: string }
  | { readonly type: 'circuit_half_open'; readonly backend: string }
  | { readonly type: 'circuit_closed'; readonly backend: string }
  | { readonly type: 'refreshed'; readonly backend: string };

/** How one upstream call ended, as the gateway reports it to the fleet. */
export type CallReport =
  | {
      readonly ok: true;
      readonly model: string;
      /** From dispatch to the end of the answer. */
      readonly processingMs: number;
      /** Ollama's `load_duration`, when the call loaded the model. */
      readonly loadMs?: number;
    }
  | { readonly ok: false; readonly error: unknown };

/** The fleet port the gateway and status route use (implemented by `backends/fleet.ts`). */
export interface FleetView {
  snapshot(): FleetSnapshot;
  report(backend: string, report: CallReport): void;
  /** Asks every backend whose circuit is closed now; resolves when they answered or timed out. */
  refresh(): Promise<void>;
  /** Subscribes; returns the unsubscribe function. */
  on(listener: (event: FleetEvent) => void): () => void;
  close(): Promise<void>;
}

/**
 * Ollama's name normalisation (reference/ollama-api.md §2.1): a name without a tag means
 * `:latest`. Only the last path segment can carry the tag (`host:5000/ns/model` has none).
 */
export function normalizeModelName(name: string): string {
  // Matching is case-insensitive per component (§2.1).
  const lower = name.toLowerCase();
  const lastSegment = lower.slice(lower.lastIndexOf('/') + 1);
  return lastSegment.includes(':') ? lower : `${lower}:latest`;
}
