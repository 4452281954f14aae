import type { Clock } from '../core/clock.js';
import type { WorkAhead } from './queue-policy.js';
import { ArrivalRates } from './arrival-rates.js';

export interface EtaOptions {
  /** Weight of the newest sample in every moving average. Default 0.2. */
  readonly alpha?: number;
  /** Rates used before a (backend, model) has been measured. Defaults 1,000 and 30 tokens/s. */
  readonly defaultPromptTokensPerSec?: number;
  readonly defaultOutputTokensPerSec?: number;
  /** Output length assumed for a model with no history and no max tokens. Default 256. */
  readonly defaultOutputTokens?: number;
  /** Prediction errors kept for the median. Default 1,000. */
  readonly errorSampleLimit?: number;
  /** Window over which arrival rates (work per ms, per model and tenant) are measured. Default 60 s. */
  readonly arrivalWindowMs?: number;
}

/** A finished generation, as the gateway measured it (Ollama reports the split timings). */
export interface CompletionObservation {
  readonly jobId?: string;
  readonly backend: string;
  readonly model: string;
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** Time the job held its slot. */
  readonly processingMs: number;
  /** Model load time when a load happened (Ollama `load_duration`); omitted or 0 otherwise. */
  readonly loadMs?: number;
  /** Ollama `prompt_eval_duration` and `eval_duration`, when known. */
  readonly promptEvalMs?: number;
  readonly evalMs?: number;
}

/** A job that just took a slot. */
export interface StartObservation {
  readonly jobId: string;
  readonly backend: string;
  readonly model: string;
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly enqueuedAtMs: number;
}

/** What `estimate` needs: the capacity that serves the job and the work ahead of it. */
export interface EtaQuery {
  readonly model: string;
  /** The job's tenant: under a fair policy, other tenants' arrivals may go ahead of it. */
  readonly tenant?: string;
  readonly backends: ReadonlyArray<{ readonly backend: string; readonly slots: number }>;
  readonly ahead: WorkAhead;
  readonly promptTokens: number;
  readonly outputTokens: number;
}

export interface Eta {
  readonly startInMs: number;
  readonly finishInMs: number;
}

export interface PredictionErrorStats {
  /** Jobs whose predicted start (made at enqueue) was compared with their actual start. */
  readonly count: number;
  /** Median of |predicted wait - actual wait| / actual wait, in percent; null with no samples. */
  readonly medianAbsErrorPct: number | null;
  readonly medianAbsErrorMs: number | null;
}

interface Rates {
  msPerPromptToken: number;
  msPerOutputToken: number;
  loadMs: number;
  isLoaded: boolean;
}

interface RunningJob {
  readonly pair: string;
  readonly startedAtMs: number;
  readonly expectedMs: number;
}

/**
 * Predicts when a waiting job starts and ends, from moving averages (EWMA) of measured rates per
 * (backend, model) — prompt ms/token, output ms/token, load time — and of output length per model.
 * Pure: it is fed observations, reads time from the clock, and never does I/O.
 *
 * Model: each slot serving the model is a lane that frees when its running job is expected to end;
 * the jobs ahead take the lanes in turn (`startOnLanes`), plus a load when nothing is loaded. The
 * work ahead is the policy's own order (a prefix sum) and, for a fair policy, the share that
 * tenants already waiting are expected to claim ahead of this job before it starts.
 */
export class EtaEstimator {
  readonly #clock: Clock;
  readonly #alpha: number;
  readonly #defaults: Rates;
  readonly #defaultOutput: number;
  readonly #errorLimit: number;
  readonly #pairs = new Map<string, Rates>();
  readonly #outputByModel = new Map<string, number>();
  readonly #running = new Map<string, RunningJob>();
  readonly #runningByPair = new Map<string, Set<RunningJob>>();
  /** jobId -> predicted wait (ms) made at enqueue. */
  readonly #predicted = new Map<string, number>();
  /** Ring of recent errors: [pct, ms]. */
  readonly #errors: Array<readonly [number, number]> = [];
  #errorHead = 0;
  readonly #arrivals: ArrivalRates;

  constructor(clock: Clock, options: EtaOptions = {}) {
    this.#clock = clock;
    this.#alpha = options.alpha ?? 0.2;
    this.#defaults = {
      msPerPromptToken: 1000 / (options.defaultPromptTokensPerSec ?? 1000),
      msPerOutputToken: 1000 / (options.defaultOutputTokensPerSec ?? 30),
      loadMs: 0,
      isLoaded: true,
    };
    this.#defaultOutput = options.defaultOutputTokens ?? 256;
    this.#errorLimit = options.errorSampleLimit ?? 1000;
    this.#arrivals = new ArrivalRates(clock, options.arrivalWindowMs ?? 60_000);
  }

  /** Output length to plan for: the model's recent mean, capped by max tokens when given. */
  expectedOutputTokens(model: string, maxTokens?: number): number {
    const history = this.#outputByModel.get(model);
    if (history === undefined) return maxTokens ?? this.#defaultOutput;
    return Math.round(maxTokens === undefined ? history : Math.min(maxTokens, history));
  }

  /** Time one job holds a slot on (backend, model), without a load. */
  serviceMs(backend: string, model: string, promptTokens: number, outputTokens: number): number {
    const r = this.#rates(backend, model);
    return promptTokens * r.msPerPromptToken + outputTokens * r.msPerOutputToken;
  }

  estimate(q: EtaQuery): Eta {
    const lanes: number[] = [];
    let msPerPrompt = 0;
    let msPerOutput = 0;
    let isLoaded = false;
    let loadMs = 0;
    for (const { backend, slots } of q.backends) {
      if (slots <= 0) continue;
      const r = this.#rates(backend, q.model);
      msPerPrompt += slots * r.msPerPromptToken;
      msPerOutput += slots * r.msPerOutputToken;
      const running = this.#runningByPair.get(pairKey(backend, q.model));
      lanes.push(...this.#laneFreeTimes(running, slots));
      isLoaded ||= r.isLoaded || (running?.size ?? 0) > 0;
      loadMs = Math.max(loadMs, r.loadMs);
    }
    if (lanes.length === 0)
      return { startInMs: Number.POSITIVE_INFINITY, finishInMs: Number.POSITIVE_INFINITY };
    msPerPrompt /= lanes.length;
    msPerOutput /= lanes.length;
    const ownMs = q.promptTokens * msPerPrompt + q.outputTokens * msPerOutput;
    let aheadMs = q.ahead.promptTokens * msPerPrompt + q.ahead.outputTokens * msPerOutput;
    let jobsAhead = q.ahead.jobs;
    // A fair policy may still put jobs that have not arrived yet ahead of this one.
    const extraCost = (q.ahead.fairShareCostTokens ?? 0) - (q.ahead.promptTokens + q.ahead.outputTokens);
    const ownCost = q.promptTokens + q.outputTokens;
    if (extraCost > 0 && ownCost > 0 && ownMs > 0) {
      // They can claim at most `extraCost`, and only as fast as they arrive: with other tenants
      // bringing work at utilisation u, the wait W = base + u * W gives u / (1 - u) more.
      const others = this.#arrivals.othersLoad(q.model, lanes.length, q.tenant);
      const baseMs = aheadMs + (lanes[0] ?? 0) * lanes.length;
      const byArrivals = others < 1 ? (baseMs * others) / (1 - others) : Number.POSITIVE_INFINITY;
      const extraMs = Math.min((extraCost * ownMs) / ownCost, byArrivals);
      aheadMs += extraMs;
      jobsAhead += extraMs / ownMs;
    }
    const startInMs =
      startOnLanes(
        lanes.sort((a, b) => a - b),
        Math.round(jobsAhead),
        aheadMs,
      ) + (isLoaded ? 0 : loadMs);
    return { startInMs: Math.round(startInMs), finishInMs: Math.round(startInMs + ownMs) };
  }

  /** A job was submitted (queued or started at once): counts towards the model's arrival rate. */
  observeArrival(model: string, tenant: string, serviceMs: number): void {
    this.#arrivals.add(model, tenant, serviceMs);
  }

  /** Remembers the start predicted at enqueue, to be scored when the job starts. */
  recordPrediction(jobId: string, startInMs: number): void {
    if (Number.isFinite(startInMs)) this.#predicted.set(jobId, startInMs);
  }

  /** A job took a slot: score its prediction, and count it as running work. */
  observeStart(o: StartObservation): void {
    const now = this.#clock.now();
    const predicted = this.#predicted.get(o.jobId);
    this.#predicted.delete(o.jobId);
    const actual = now - o.enqueuedAtMs;
    if (predicted !== undefined && actual > 0) this.#recordError(predicted, actual);
    this.observeEnd(o.jobId);
    const pair = pairKey(o.backend, o.model);
    const job: RunningJob = {
      pair,
      startedAtMs: now,
      expectedMs: this.serviceMs(o.backend, o.model, o.promptTokens, o.outputTokens),
    };
    this.#running.set(o.jobId, job);
    let set = this.#runningByPair.get(pair);
    if (!set) this.#runningByPair.set(pair, (set = new Set()));
    set.add(job);
  }

  /** A job left its slot or the queue (finished, failed, cancelled): forget its running work. */
  observeEnd(jobId: string): void {
    this.#predicted.delete(jobId);
    const job = this.#running.get(jobId);
    if (!job) return;
    this.#running.delete(jobId);
    const set = this.#runningByPair.get(job.pair);
    set?.delete(job);
    if (set?.size === 0) this.#runningByPair.delete(job.pair);
  }

  /** A generation finished: update the rates of its (backend, model) and the model's output length. */
  observeCompletion(o: CompletionObservation): void {
    if (o.jobId !== undefined) this.observeEnd(o.jobId);
    const key = pairKey(o.backend, o.model);
    const r = this.#pairs.get(key) ?? { ...this.#defaults, isLoaded: true };
    this.#pairs.set(key, r);
    const loadMs = o.loadMs ?? 0;
    if (loadMs > 0) r.loadMs = r.loadMs === 0 ? loadMs : this.#mix(r.loadMs, loadMs);
    if (o.promptEvalMs !== undefined && o.promptTokens > 0)
      r.msPerPromptToken = this.#mix(r.msPerPromptToken, o.promptEvalMs / o.promptTokens);
    const outputMs = o.evalMs ?? Math.max(0, o.processingMs - loadMs - o.promptTokens * r.msPerPromptToken);
    if (o.outputTokens > 0) r.msPerOutputToken = this.#mix(r.msPerOutputToken, outputMs / o.outputTokens);
    r.isLoaded = true;
    const history = this.#outputByModel.get(o.model);
    this.#outputByModel.set(
      o.model,
      history === undefined ? o.outputTokens : this.#mix(history, o.outputTokens),
    );
  }

  /** The backend unloaded the model (or was restarted): the next job pays a load again. */
  observeUnload(backend: string, model: string): void {
    const r = this.#pairs.get(pairKey(backend, model));
    if (r) r.isLoaded = false;
  }

  errorStats(): PredictionErrorStats {
    if (this.#errors.length === 0) return { count: 0, medianAbsErrorPct: null, medianAbsErrorMs: null };
    return {
      count: this.#errors.length,
      medianAbsErrorPct: median(this.#errors.map(([pct]) => pct)),
      medianAbsErrorMs: median(this.#errors.map(([, ms]) => ms)),
    };
  }

  #recordError(predictedMs: number, actualMs: number): void {
    const absMs = Math.abs(predictedMs - actualMs);
    const sample = [(100 * absMs) / actualMs, absMs] as const;
    if (this.#errorLimit <= 0) return;
    if (this.#errors.length < this.#errorLimit) this.#errors.push(sample);
    else {
      this.#errors[this.#errorHead] = sample;
      this.#errorHead = (this.#errorHead + 1) % this.#errorLimit;
    }
  }

  /** When each of a backend's `slots` lanes frees: remaining time of its running jobs, else now. */
  #laneFreeTimes(running: ReadonlySet<RunningJob> | undefined, slots: number): number[] {
    const now = this.#clock.now();
    // A job past its expected length is not about to end at once: assume a tenth of it is left.
    const free = [...(running ?? [])].map((job) =>
      Math.max(0.1 * job.expectedMs, job.expectedMs - (now - job.startedAtMs)),
    );
    free.sort((a, b) => a - b);
    free.length = Math.min(free.length, slots);
    while (free.length < slots) free.unshift(0);
    return free;
  }

  #rates(backend: string, model: string): Rates {
    return this.#pairs.get(pairKey(backend, model)) ?? this.#defaults;
  }

  #mix(old: number, sample: number): number {
    return old + this.#alpha * (sample - old);
  }
}

function pairKey(backend: string, model: string): string {
  return `${backend}\u0000${model}`;
}

/**
 * Start of the job after `jobsAhead` others on lanes freeing at `lanes` (sorted): with alike jobs
 * of mean length m, job i takes lane i mod L at lanes[i mod L] + floor(i / L) * m. Exact for one
 * lane (it is then "remaining + work ahead"); for several it assumes the jobs ahead are alike.
 */
function startOnLanes(lanes: readonly number[], jobsAhead: number, aheadMs: number): number {
  if (jobsAhead <= 0) return lanes[0] ?? 0;
  const meanMs = aheadMs / jobsAhead;
  return (lanes[jobsAhead % lanes.length] ?? 0) + Math.floor(jobsAhead / lanes.length) * meanMs;
}

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  const hi = values[mid] ?? 0;
  return values.length % 2 === 1 ? hi : ((values[mid - 1] ?? hi) + hi) / 2;
}
