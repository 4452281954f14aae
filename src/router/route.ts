import type { BackendView, FleetSnapshot } from '../core/fleet.js';
import { normalizeModelName } from '../core/fleet.js';

/** What the router needs to know about one request. */
export interface RouteJob {
  readonly model: string;
  /** Backends not to use (already failed for this request). */
  readonly exclude?: ReadonlySet<string>;
  /** The host that served this conversation's previous turn (its prompt cache is there). */
  readonly affinity?: string;
  /** Estimated prompt tokens: what the affinity host would not have to read again. */
  readonly promptTokens?: number;
  /** The context size the request asks for (`num_ctx`); a host with another one loaded reloads. */
  readonly numCtx?: number;
}

/** The gateway's own bookkeeping, which the fleet does not see: what runs and waits right now. */
export interface LiveLoad {
  /** backend -> normalised model -> requests running. */
  readonly running: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** normalised model -> requests waiting in Corral's queue. */
  readonly queuedByModel: ReadonlyMap<string, number>;
}

export interface RouterOptions {
  /** Service time assumed until a (backend, model) has been measured. */
  readonly defaultServiceMs: number;
  /** Load time assumed until a model's load has been measured on some host. */
  readonly defaultLoadMs: number;
  /** `retry-after` when every host with the model is down. */
  readonly unavailableRetryAfterMs: number;
  /** Prompt evaluation speed assumed for the prompt-cache saving of affinity (GPU: ~1,000 tok/s). */
  readonly msPerPromptToken: number;
}

export const DEFAULT_ROUTER_OPTIONS: RouterOptions = {
  defaultServiceMs: 5_000,
  defaultLoadMs: 10_000,
  unavailableRetryAfterMs: 5_000,
  msPerPromptToken: 1,
};

/** One eligible backend with the prediction that ranked it (shown on the status page). */
export interface Candidate {
  readonly backend: string;
  readonly resident: boolean;
  readonly freeSlots: number;
  readonly waitMs: number;
  readonly loadMs: number;
  /** Loading here would push out a model that is in use. */
  readonly evictsBusy: boolean;
  /** Prompt-cache time saved here because this host served the conversation before. */
  readonly affinityMs: number;
  readonly completionMs: number;
  readonly weight: number;
}

export type RouteDecision =
  | {
      readonly type: 'route';
      readonly backends: readonly string[];
      readonly candidates: readonly Candidate[];
    }
  /** No backend has the model installed. */
  | { readonly type: 'not_found'; readonly model: string }
  /** Backends have it, but none is healthy (or all were excluded). */
  | { readonly type: 'unavailable'; readonly model: string; readonly retryAfterMs: number };

/**
 * Chooses, from one fleet snapshot, the backends that may serve a request, best first
 * (STYLE.md §1 `router/`: pure, no I/O, no clock). The scheduler starts the job on the first
 * listed backend with a free slot, or on whichever listed one frees a slot first, so the list
 * itself is the decision: a host left off it is never used for this request.
 *
 * Eligible: circuit closed and the model installed (or not yet discovered: unknown is not
 * "absent"). Ranked by predicted completion: wait for a slot (running and queued work over the
 * slots, at the measured service time), plus the load if the model is not resident, plus an
 * eviction wait if loading would push out a model that is busy. Anti-thrashing: a host where the
 * model is not resident is listed only if it is predicted to finish sooner than the best host
 * where it is, so a cold host is switched to a model only when the waiting work justifies the
 * load (reference/ollama-api.md §4.4–4.5).
 */
export function route(
  job: RouteJob,
  fleet: FleetSnapshot,
  load: LiveLoad,
  options: RouterOptions = DEFAULT_ROUTER_OPTIONS,
): RouteDecision {
  const model = normalizeModelName(job.model);
  // An empty name is invalid: let a healthy upstream answer it in its own words.
  const anyHost = job.model === '';
  const having = fleet.backends.filter((b) => anyHost || !b.discovered || b.installed.includes(model));
  const usable = having.filter((b) => b.circuit === 'closed' && !job.exclude?.has(b.name));
  if (usable.length === 0) {
    return having.length === 0
      ? { type: 'not_found', model: job.model }
      : { type: 'unavailable', model: job.model, retryAfterMs: options.unavailableRetryAfterMs };
  }
  const measuredLoadMs = anyMeasuredLoad(fleet.backends, model);
  const residentCount = usable.filter((b) => isResident(b, model, load, job.numCtx)).length;
  const queued = load.queuedByModel.get(model) ?? 0;
  // Ollama reuses a slot's KV cache for a prompt that extends the last one: the host that served
  // the previous turn skips reading the history again. Only where the model is still resident.
  const cacheSavingMs = (job.promptTokens ?? 0) * options.msPerPromptToken;
  const candidates = usable.map((b) =>
    predict(
      b,
      model,
      job.numCtx,
      load,
      queued / Math.max(1, residentCount),
      measuredLoadMs,
      options,
      job.affinity === b.name ? cacheSavingMs : 0,
    ),
  );
  candidates.sort(compareCandidates);
  const bestResident = candidates.find((c) => c.resident);
  const listed = bestResident
    ? candidates.filter((c) => c.resident || c.completionMs < bestResident.completionMs)
    : candidates;
  return { type: 'route', backends: listed.map((c) => c.backend), candidates: listed };
}

function predict(
  b: BackendView,
  model: string,
  numCtx: number | undefined,
  load: LiveLoad,
  queuedShare: number,
  measuredLoadMs: number | undefined,
  options: RouterOptions,
  cacheSavingMs: number,
): Candidate {
  const runningHere = load.running.get(b.name);
  const running = runningHere?.get(model) ?? 0;
  const slots = Math.max(1, b.slotsPerModel);
  const freeSlots = Math.max(0, slots - running);
  const resident = isResident(b, model, load, numCtx);
  const perf = b.perf[model];
  const serviceMs = perf?.serviceMs ?? options.defaultServiceMs;
  // Invariant of the scheduler: nobody waits for a model while a listed host has a free slot, so
  // the queue only matters where the slots are full.
  const ahead = freeSlots > 0 ? 0 : running - slots + 1 + (resident ? queuedShare : 0);
  const waitMs = (ahead / slots) * serviceMs;
  const loadMs = resident ? 0 : (perf?.loadMs ?? measuredLoadMs ?? options.defaultLoadMs);
  const others = residentModels(b, load).filter((m) => m !== model);
  const evicts = !resident && others.length >= b.maxLoadedModels;
  // Ollama waits for a busy victim's requests to finish before unloading it (§4.4 step 2); a
  // reload for another num_ctx waits for the model's own running requests (§4.5).
  const reloadsBusy = !resident && running > 0;
  const evictsBusy = (evicts && others.every((m) => (runningHere?.get(m) ?? 0) > 0)) || reloadsBusy;
  // The wait is for the victim's running request to finish: its measured service time here (the
  // shortest among the candidates Ollama could evict), the default until one was measured.
  const victims = reloadsBusy ? [model] : others;
  const evictionWaitMs = evictsBusy
    ? Math.min(...victims.map((m) => b.perf[m]?.serviceMs ?? options.defaultServiceMs))
    : 0;
  // A saving never makes a prediction negative, and a busy or cold host gains nothing from it
  // beyond what its wait and load cost: affinity wins only when it saves more than it costs.
  const affinityMs = resident ? Math.min(cacheSavingMs, serviceMs) : 0;
  return {
    backend: b.name,
    resident,
    freeSlots,
    waitMs,
    loadMs,
    evictsBusy,
    affinityMs,
    completionMs: waitMs + loadMs + evictionWaitMs + serviceMs - affinityMs,
    weight: b.weight,
  };
}

function compareCandidates(a: Candidate, b: Candidate): number {
  return (
    a.completionMs - b.completionMs ||
    Number(b.resident) - Number(a.resident) ||
    b.weight - a.weight ||
    (a.backend < b.backend ? -1 : a.backend > b.backend ? 1 : 0)
  );
}

/**
 * Resident = the host reports it loaded, or we have a request running there (it is loading). Not
 * resident for a request asking another `num_ctx` than the host loaded it with: Ollama would
 * reload it (reference/ollama-api.md §4.5), so the router counts the load and prefers a host
 * already at that size; requests of different sizes settle on different hosts instead of
 * reloading one back and forth. (Ollama caps num_ctx to the model's training context, which the
 * gateway does not know; a request above it may look like a mismatch and cost a load estimate.)
 */
function isResident(b: BackendView, model: string, load: LiveLoad, numCtx: number | undefined): boolean {
  const loaded = b.loaded.find((m) => m.name === model);
  if (loaded && numCtx !== undefined && loaded.contextLength !== undefined && loaded.contextLength !== numCtx)
    return false;
  return (load.running.get(b.name)?.get(model) ?? 0) > 0 || loaded !== undefined;
}

function residentModels(b: BackendView, load: LiveLoad): string[] {
  const names = new Set(b.loaded.map((m) => m.name));
  for (const [m, count] of load.running.get(b.name) ?? []) if (count > 0) names.add(m);
  return [...names];
}

/** A model's load time measured on any host is a better guess than the default. */
function anyMeasuredLoad(backends: readonly BackendView[], model: string): number | undefined {
  for (const b of backends) {
    const ms = b.perf[model]?.loadMs;
    if (ms !== undefined) return ms;
  }
  return undefined;
}
