import type {
  NativeChatChunk,
  NativeEmbedRequest,
  NativeEmbedResult,
  NativeErrorLine,
  NativeRun,
  NativeRunner,
  NativeTagEntry,
} from './contract.js';
import type { SimControl, SimEndpoint } from './control.js';
import { parseKeepAlive } from './duration.js';
import { normalizeEmbedding, rawEmbedding } from './embed-vectors.js';
import { countTokens } from './generate-text.js';
import { runGeneration } from './generation.js';
import type { GenEvent } from './generation.js';
import {
  buildCatalog,
  invalidModelName,
  modelDetails,
  modelNameProblem,
  normalizeModelName,
  tagEntry,
} from './model-catalog.js';
import type { InstalledModel } from './model-catalog.js';
import { ModelScheduler } from './model-scheduler.js';
import type { Lease, LoadOptions, Runner } from './model-scheduler.js';
import { chatChunk, chatSpecialReply, generateChunk, generateSpecialReply } from './native-chunks.js';
import type { NativeGenerateChunk } from './native-chunks.js';
import type { ResolvedOptions } from './options.js';
import { loadOptionsFor, optionTypeError, planChat, planGenerate } from './request-plan.js';
import type { ChatInput, GenerateInput, GenPlan, PlanResult } from './request-plan.js';
import { monoNs, rfc3339Nano, sleep } from './timing.js';

/**
 * The native engine: plans a request, leases a runner from the scheduler, waits for a slot and
 * runs the generation, keeping the control plane's events and counters. It implements the
 * NativeRunner seam, so the /v1 compatibility layers share its queueing and timing.
 */

export interface RunContext {
  signal: AbortSignal;
  headers: Record<string, string | undefined>;
}

type Failure = { ok: false; status: number; error: string; plainJson?: boolean };
/** A failed start; `plainJson` marks errors of the streaming path (`application/json`, no charset, §1). */
export type EngineRun<T> = Failure | { ok: true; chunks: AsyncIterable<T | NativeErrorLine> };

type Started<T> =
  | Failure
  | { ok: true; special: 'load' | 'unload' }
  | { ok: true; special?: undefined; chunks: AsyncIterable<T> };
/** Turns generation events into wire chunks; built once per request from its plan. */
type Encoder<T> = (plan: GenPlan) => (e: GenEvent) => T;

async function* single<T>(value: T): AsyncGenerator<T> {
  yield value;
}

export class SimEngine implements NativeRunner {
  readonly catalog: Map<string, InstalledModel>;
  readonly scheduler: ModelScheduler;
  readonly #tags: NativeTagEntry[];
  #nextId = 0;

  constructor(
    readonly settings: ResolvedOptions,
    readonly control: SimControl,
  ) {
    this.catalog = buildCatalog(settings.models);
    this.#tags = [...this.catalog.values()]
      .sort((a, b) => b.modifiedAt.localeCompare(a.modifiedAt))
      .map(tagEntry);
    this.scheduler = new ModelScheduler({
      maxLoadedModels: settings.maxLoadedModels,
      maxQueue: settings.maxQueue,
      defaultKeepAliveMs: settings.keepAliveMs,
      loadMs: (m) => settings.loadMsByModel.get(m.name) ?? m.loadMs ?? settings.loadMs,
      parallel: (m) => (m.isEmbeddingOnly ? 1 : (m.parallel ?? settings.parallel)),
      control,
    });
  }

  tags(): NativeTagEntry[] {
    return this.#tags;
  }

  find(model: string): InstalledModel | undefined {
    return this.catalog.get(normalizeModelName(model));
  }

  capabilities(model: string): string[] | undefined {
    return this.find(model)?.capabilities;
  }

  /** `/api/ps` entries (§2.5), loading models included, latest expiry first. */
  ps(): Record<string, unknown>[] {
    return this.scheduler
      .runners()
      .sort((a, b) => b.expiresAtMs - a.expiresAtMs)
      .map((r) => {
        const size = r.model.sizeBytes + r.load.numCtx * r.slots.size * 16_384;
        return {
          name: r.model.name,
          model: r.model.name,
          size,
          digest: r.model.digest,
          details: modelDetails(r.model),
          expires_at: rfc3339Nano(r.expiresAtMs),
          size_vram: size,
          context_length: r.load.numCtx,
        };
      });
  }

  async chat(req: ChatInput, ctx: RunContext): Promise<NativeRun & EngineRun<NativeChatChunk>> {
    const t0 = monoNs();
    const model = req.model;
    const encode: Encoder<NativeChatChunk | NativeErrorLine> = () => (e) => chatChunk(model, e);
    const started = await this.#start(
      planChat(req, ctx.headers, this.catalog, this.settings),
      t0,
      ctx.signal,
      'chat',
      encode,
    );
    if (!started.ok) return started;
    if (started.special) return { ok: true, chunks: single(chatSpecialReply(model, started.special)) };
    return { ok: true, chunks: started.chunks };
  }

  async generate(req: GenerateInput, ctx: RunContext): Promise<EngineRun<NativeGenerateChunk>> {
    const t0 = monoNs();
    const model = req.model ?? '';
    const encode: Encoder<NativeGenerateChunk | NativeErrorLine> = (plan) => {
      const context = { promptTokens: plan.promptTokens, seed: plan.promptHash, raw: plan.raw };
      return (e) => generateChunk(model, e, context);
    };
    const started = await this.#start(
      planGenerate(req, ctx.headers, this.catalog, this.settings),
      t0,
      ctx.signal,
      'generate',
      encode,
    );
    if (!started.ok) return started;
    if (started.special) return { ok: true, chunks: single(generateSpecialReply(model, started.special)) };
    return { ok: true, chunks: started.chunks };
  }

  embed(req: NativeEmbedRequest, ctx: RunContext): Promise<NativeEmbedResult> {
    return this.embedVectors(req, ctx, true);
  }

  /** `/api/embed` (normalised) and legacy `/api/embeddings` (raw vectors) (§2.4). */
  async embedVectors(
    req: NativeEmbedRequest,
    ctx: RunContext,
    normalize: boolean,
  ): Promise<NativeEmbedResult> {
    const t0 = monoNs();
    const problem = modelNameProblem(req.model ?? '');
    if (problem === 'required')
      return { ok: false, status: 404, error: `model '${req.model ?? ''}' not found` };
    if (problem === 'invalid') return { ok: false, status: 400, error: invalidModelName };
    const model = this.find(req.model);
    if (!model)
      return {
        ok: false,
        status: 404,
        error: `model ${JSON.stringify(req.model)} not found, try pulling it first`,
      };
    let keepAliveMs: number | undefined;
    if (req.keep_alive !== undefined) {
      const k = parseKeepAlive(req.keep_alive);
      if (!k.ok) return { ok: false, status: 400, error: k.error };
      keepAliveMs = k.ms;
    }
    const optionError = optionTypeError(req.options);
    if (optionError) return { ok: false, status: 500, error: optionError };
    const load = loadOptionsFor(model, req.options, this.settings.contextLength);
    const tokens = req.input.map(countTokens);
    if (req.truncate === false && tokens.some((n) => n > load.numCtx)) {
      return { ok: false, status: 400, error: 'the input length exceeds the context length' };
    }
    const id = `req-${++this.#nextId}`;
    const granted = await this.#grant(
      id,
      model,
      load,
      keepAliveMs,
      ctx.signal,
      'embed',
      req.input.length === 0,
    );
    if (!granted.ok) return granted;
    const empty = {
      ok: true as const,
      model: req.model,
      embeddings: [],
      total_duration: 0,
      load_duration: 0,
      prompt_eval_count: 0,
    };
    if (!granted.runner) return empty;
    const { runner, loadNs } = granted;
    const promptTokens = tokens.reduce((a, b) => a + b, 0);
    let ok = true;
    const embeddings: number[][] = [];
    for (const [i, text] of req.input.entries()) {
      const ms = this.settings.promptTps > 0 ? ((tokens[i] ?? 0) * 1000) / this.settings.promptTps : 0;
      if (ms > 0 && !(await sleep(ms, ctx.signal))) {
        ok = false;
        break;
      }
      const v = rawEmbedding(text, model.embeddingLength);
      embeddings.push(normalize ? normalizeEmbedding(v, req.dimensions) : v);
    }
    this.#end(id, model.name, runner, 'embed', ok ? 'finished' : 'aborted', 'stop', 0);
    if (!ok) return { ok: false, status: 499, error: 'request canceled' };
    return {
      ok: true,
      model: req.model,
      embeddings,
      total_duration: monoNs() - t0,
      load_duration: loadNs,
      prompt_eval_count: promptTokens,
    };
  }

  close(): void {
    this.scheduler.close();
    this.control.releaseAll();
  }

  async #start<T>(
    p: PlanResult,
    t0: number,
    signal: AbortSignal,
    endpoint: SimEndpoint,
    encode: Encoder<T>,
  ): Promise<Started<T>> {
    if (p.type === 'error') return { ok: false, status: p.status, error: p.error, plainJson: p.plainJson };
    if (p.type === 'unload') {
      this.scheduler.expire(p.model);
      return { ok: true, special: 'unload' };
    }
    const { plan } = p;
    const fail = plan.script?.failBefore;
    if (fail) return { ok: false, status: fail.status, error: fail.message, plainJson: true };
    const id = `req-${++this.#nextId}`;
    const granted = await this.#grant(
      id,
      plan.model,
      plan.load,
      plan.keepAliveMs,
      signal,
      endpoint,
      p.type === 'load',
    );
    if (!granted.ok) return granted;
    if (!granted.runner) return { ok: true, special: 'load' };
    const { runner, loadNs } = granted;
    if (plan.contextError !== undefined) {
      // The runner refuses the prompt once it holds a slot, before evaluating it (§3.2).
      this.#end(id, plan.model.name, runner, endpoint, 'failed', 'error', 0);
      return { ok: false, status: 400, error: plan.contextError, plainJson: true };
    }
    const gen = runningGeneration(this, plan, id, runner, signal, t0, loadNs);
    return {
      ok: true,
      chunks: this.#lifecycle(gen, encode(plan), id, plan.model.name, runner, endpoint, signal),
    };
  }

  /**
   * Lease + slot. `loadOnly` requests release the lease right after the load. On success with a
   * runner, the request counts as active and `request_started` has been emitted.
   */
  async #grant(
    id: string,
    model: InstalledModel,
    load: LoadOptions,
    keepAliveMs: number | undefined,
    signal: AbortSignal,
    endpoint: SimEndpoint,
    loadOnly: boolean,
  ): Promise<Failure | { ok: true; runner?: undefined } | { ok: true; runner: Runner; loadNs: number }> {
    const t0 = monoNs();
    const { control } = this;
    let lease: Lease | Promise<Lease> = this.scheduler.acquire(model, load, keepAliveMs, signal);
    if (lease instanceof Promise) {
      control.adjustQueued(model.name, 1);
      if (control.wants('request_queued'))
        control.emit({ type: 'request_queued', id, model: model.name, endpoint, waitingFor: 'load' });
      lease = await lease;
      control.adjustQueued(model.name, -1);
    }
    if (!lease.ok) {
      if (signal.aborted) this.#aborted(id, model.name, endpoint, 'queued');
      return lease;
    }
    const { runner } = lease;
    // load_duration: handler entry until the runner was handed out, only when a load was waited for (§2.2).
    const loadNs = lease.waitedForLoad ? monoNs() - t0 : 0;
    if (loadOnly) {
      this.scheduler.release(runner);
      return { ok: true };
    }
    if (!runner.slots.tryAcquire()) {
      control.adjustQueued(model.name, 1);
      if (control.wants('request_queued'))
        control.emit({ type: 'request_queued', id, model: model.name, endpoint, waitingFor: 'slot' });
      const got = await runner.slots.acquire(signal);
      control.adjustQueued(model.name, -1);
      if (!got) {
        this.scheduler.release(runner);
        this.#aborted(id, model.name, endpoint, 'queued');
        return { ok: false, status: 499, error: 'request canceled' };
      }
    }
    control.adjustActive(model.name, 1);
    if (control.wants('request_started')) {
      control.emit({
        type: 'request_started',
        id,
        model: model.name,
        endpoint,
        busySlots: runner.slots.busy,
        waitedForLoad: lease.waitedForLoad,
      });
    }
    return { ok: true, runner, loadNs };
  }

  #aborted(id: string, model: string, endpoint: SimEndpoint, phase: 'queued' | 'generating'): void {
    this.control.counters.aborted++;
    this.control.emit({ type: 'request_aborted', id, model, endpoint, phase, queued: phase === 'queued' });
  }

  /** Frees the slot and the lease exactly once, and records the outcome. */
  #end(
    id: string,
    model: string,
    runner: Runner,
    endpoint: SimEndpoint,
    outcome: 'finished' | 'failed' | 'aborted',
    doneReason: string,
    evalCount: number,
  ): void {
    this.control.adjustActive(model, -1);
    // Report the end before freeing the slot and lease, so listeners see "finished" before the
    // next request's start or the model's unload that the release may trigger.
    if (outcome === 'aborted') this.#aborted(id, model, endpoint, 'generating');
    else {
      if (outcome === 'failed') this.control.counters.failed++;
      else this.control.counters.served++;
      if (this.control.wants('request_finished')) {
        this.control.emit({
          type: 'request_finished',
          id,
          model,
          endpoint,
          doneReason,
          evalCount,
          failed: outcome === 'failed',
        });
      }
    }
    runner.slots.release();
    this.scheduler.release(runner);
  }

  /**
   * Wraps a generation so that the slot is released exactly once: when the done/error event is
   * produced, when the client aborts (even if nobody is iterating), or when the consumer stops.
   */
  #lifecycle<T>(
    gen: AsyncGenerator<GenEvent>,
    encode: (e: GenEvent) => T,
    id: string,
    model: string,
    runner: Runner,
    endpoint: SimEndpoint,
    signal: AbortSignal,
  ): AsyncGenerator<T> {
    let ended = false;
    const end = (outcome: 'finished' | 'failed' | 'aborted', doneReason = '', evalCount = 0): void => {
      if (ended) return;
      ended = true;
      signal.removeEventListener('abort', onAbort);
      this.#end(id, model, runner, endpoint, outcome, doneReason, evalCount);
    };
    const onAbort = (): void => end('aborted');
    // Registered before anyone iterates: a client that leaves frees the slot even if the consumer never pulls.
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) end('aborted');
    return (async function* tracked(): AsyncGenerator<T> {
      try {
        for await (const e of gen) {
          if (ended) return;
          if (e.type === 'done') end('finished', e.doneReason, e.metrics.eval_count);
          else if (e.type === 'error') end('failed', 'error', 0);
          yield encode(e);
        }
      } finally {
        end('aborted');
        await gen.return(undefined);
      }
    })();
  }
}

function runningGeneration(
  engine: SimEngine,
  plan: GenPlan,
  id: string,
  runner: Runner,
  signal: AbortSignal,
  startNs: number,
  loadNs: number,
): AsyncGenerator<GenEvent> {
  const s = engine.settings;
  return runGeneration(plan, {
    id,
    signal,
    control: engine.control,
    pace: { tps: s.tps, slowdown: s.slowdown },
    promptTps: s.promptTps,
    busySlots: () => runner.slots.busy,
    startNs,
    loadNs,
  });
}
