import { parseDefaultKeepAlive } from './duration.js';
import { defaultModelNames, normalizeModelName } from './model-catalog.js';
import type { ModelSpec } from './model-catalog.js';

/** Emulator options; the CLI flags of `corral sim` carry the same names (docs/sim.md). */
export interface EmulatorOptions {
  /** Bind address, default 127.0.0.1. */
  host?: string;
  /** 0 = ephemeral (the in-process default); the CLI defaults to 11434. */
  port?: number;
  /** Installed models: preset or guessed names (`qwen3:8b`) and/or full specs. */
  models?: Array<string | ModelSpec>;
  /** Slots per model (OLLAMA_NUM_PARALLEL), default 1; embedding models always get 1 (§4.1). */
  parallel?: number;
  /** OLLAMA_MAX_LOADED_MODELS, default 3. */
  maxLoadedModels?: number;
  /** OLLAMA_MAX_QUEUE: capacity of the pending-load queue, default 512. */
  maxQueue?: number;
  /** Output tokens per second per slot, default 40; 0 = instant. */
  tps?: number;
  /** Prompt tokens per second, default 0 (instant). */
  promptTps?: number;
  /** Model load time in ms, default 1500 (a model spec's `loadMs` overrides it). */
  loadMs?: number;
  /** Per-model load times in ms, e.g. `{ 'qwen3:8b': 4000 }` (names are normalised). */
  loadMsByModel?: Record<string, number>;
  /** OLLAMA_KEEP_ALIVE: Go duration or seconds, default "5m"; negative = forever. */
  keepAlive?: string | number;
  /** Per-slot rate = tps / (1 + slowdown × (busy slots − 1)); default 0.3 (§4.8). */
  slowdown?: number;
  /** Mixed into every generated text; the same seed gives the same replies. Default 0. */
  seed?: number;
  /** What /api/version reports. */
  version?: string;
  /** Default `num_ctx` (OLLAMA_CONTEXT_LENGTH), default 4096, capped to each model's context. */
  contextLength?: number;
  /**
   * Refuse non-local Host headers with 403 when bound to loopback, as Ollama does (§1).
   * Default false, so that gateways under test are not surprised; turn it on to test Host rewriting.
   */
  checkHost?: boolean;
}

export interface ResolvedOptions {
  host: string;
  port: number;
  models: Array<string | ModelSpec>;
  parallel: number;
  maxLoadedModels: number;
  maxQueue: number;
  tps: number;
  promptTps: number;
  loadMs: number;
  loadMsByModel: Map<string, number>;
  keepAliveMs: number;
  slowdown: number;
  seed: number;
  version: string;
  contextLength: number;
  checkHost: boolean;
}

export const defaultVersion = '0.32.15';

function nonNegative(name: string, v: number | undefined, fallback: number, min = 0): number {
  if (v === undefined) return fallback;
  if (!Number.isFinite(v) || v < min)
    throw new Error(`sim option ${name} must be a number >= ${min}, got ${String(v)}`);
  return v;
}

/** Fills defaults and rejects nonsense values with a message naming the option. */
export function resolveOptions(o: EmulatorOptions): ResolvedOptions {
  return {
    host: o.host ?? '127.0.0.1',
    port: nonNegative('port', o.port, 0),
    models: o.models && o.models.length > 0 ? o.models : [...defaultModelNames],
    parallel: Math.floor(nonNegative('parallel', o.parallel, 1, 1)),
    maxLoadedModels: Math.floor(nonNegative('maxLoadedModels', o.maxLoadedModels, 3, 1)),
    maxQueue: Math.floor(nonNegative('maxQueue', o.maxQueue, 512)),
    tps: nonNegative('tps', o.tps, 40),
    promptTps: nonNegative('promptTps', o.promptTps, 0),
    loadMs: nonNegative('loadMs', o.loadMs, 1500),
    loadMsByModel: new Map(
      Object.entries(o.loadMsByModel ?? {}).map(([name, ms]) => [
        normalizeModelName(name),
        nonNegative(`loadMsByModel[${name}]`, ms, 0),
      ]),
    ),
    keepAliveMs: parseDefaultKeepAlive(o.keepAlive ?? '5m'),
    slowdown: nonNegative('slowdown', o.slowdown, 0.3),
    seed: Math.floor(o.seed ?? 0),
    version: o.version ?? defaultVersion,
    contextLength: Math.floor(nonNegative('contextLength', o.contextLength, 4096, 4)),
    checkHost: o.checkHost ?? false,
  };
}
