import type { SimControl, UnloadReason } from './control.js';
import type { InstalledModel } from './model-catalog.js';
import { SlotSemaphore } from './slot-semaphore.js';
import { sleep } from './timing.js';

/**
 * Loads, keep-alive and eviction (§4.2–§4.5). State is owned here and every decision is taken
 * synchronously between awaits, so the event loop serialises it like Ollama's scheduler goroutine.
 *
 * - A request for a loaded, compatible model (same load-time options) joins it at once: no queue.
 * - Anything else goes through the pending-load queue (capacity `maxQueue`, full → 503), drained
 *   one request at a time; one load at a time. Requests for a model that is loading join that load.
 * - A runner's `refs` counts requests attached to it (waiting for its load, for a slot, or
 *   generating). The keep-alive timer starts when refs drops to 0 (§2.8).
 * - Eviction (§4.4): when loading would exceed `maxLoadedModels`, the idle runner with the
 *   shortest keep-alive goes; if none is idle, the shortest keep-alive one is doomed and the load
 *   waits for its in-flight requests to finish.
 */

export interface LoadOptions {
  /** Serialised load-time options; a difference forces a reload (§4.5). */
  key: string;
  numCtx: number;
  /** Whether the runner was started with context shift (`shift`, §2.2); a difference reloads (§4.5). */
  contextShift: boolean;
}

export interface Runner {
  readonly model: InstalledModel;
  readonly load: LoadOptions;
  readonly slots: SlotSemaphore;
  state: 'loading' | 'ready' | 'unloaded';
  refs: number;
  keepAliveMs: number;
  expiresAtMs: number;
  /** Set when the runner must go as soon as it is idle; new requests then queue for a fresh load. */
  doomed: UnloadReason | undefined;
  timer: NodeJS.Timeout | undefined;
  readonly loadAbort: AbortController;
  readonly readyWaiters: Set<(ok: boolean) => void>;
  readonly idleWaiters: Set<() => void>;
}

export type Lease =
  { ok: true; runner: Runner; waitedForLoad: boolean } | { ok: false; status: number; error: string };

export interface SchedulerOptions {
  maxLoadedModels: number;
  maxQueue: number;
  defaultKeepAliveMs: number;
  loadMs: (m: InstalledModel) => number;
  parallel: (m: InstalledModel) => number;
  control: SimControl;
}

interface PendingJob {
  model: InstalledModel;
  load: LoadOptions;
  keepAliveMs: number | undefined;
  signal: AbortSignal;
  settle: (lease: Lease) => void;
  onAbort: () => void;
}

export const queueFullError = 'server busy, please try again.  maximum pending requests exceeded';
const aborted: Lease = { ok: false, status: 499, error: 'request canceled' };
/** setTimeout cannot take more than 2^31−1 ms; longer keep-alives are treated as "forever". */
const maxTimerMs = 2_147_483_647;
const foreverMs = 292 * 365 * 24 * 3_600_000;

export class ModelScheduler {
  readonly #runners = new Map<string, Runner>();
  readonly #pending: PendingJob[] = [];
  #pumping = false;
  #closed = false;

  constructor(private readonly opts: SchedulerOptions) {}

  /** Runners currently loaded or loading. */
  runners(): Runner[] {
    return [...this.#runners.values()];
  }

  /** A lease, synchronously when the model is loaded and compatible (the hot path). */
  acquire(
    model: InstalledModel,
    load: LoadOptions,
    keepAliveMs: number | undefined,
    signal: AbortSignal,
  ): Lease | Promise<Lease> {
    const r = this.#runners.get(model.name);
    if (r && r.doomed === undefined && r.load.key === load.key) {
      this.#attach(r, keepAliveMs);
      if (r.state === 'ready') return { ok: true, runner: r, waitedForLoad: false };
      return this.#awaitReady(r, signal);
    }
    if (this.#pending.length >= this.opts.maxQueue) {
      this.opts.control.counters.rejected++;
      if (this.opts.control.wants('queue_full'))
        this.opts.control.emit({ type: 'queue_full', model: model.name });
      return { ok: false, status: 503, error: queueFullError };
    }
    return new Promise<Lease>((settle) => {
      const job: PendingJob = {
        model,
        load,
        keepAliveMs,
        signal,
        settle,
        // A request that leaves while queued frees its queue place at once (§3.4).
        onAbort: () => {
          const i = this.#pending.indexOf(job);
          if (i >= 0) this.#pending.splice(i, 1);
          settle(aborted);
        },
      };
      signal.addEventListener('abort', job.onAbort, { once: true });
      this.#pending.push(job);
      void this.#pump();
    });
  }

  /** Called once per lease when its request ends; starts the keep-alive clock when idle. */
  release(r: Runner): void {
    r.refs--;
    if (r.refs === 0) this.#onIdle(r);
  }

  #onIdle(r: Runner): void {
    for (const w of [...r.idleWaiters]) w();
    if (r.state === 'loading') {
      // Everyone who wanted this load has gone: abort it (§3.4, "aborting load").
      r.loadAbort.abort();
      return;
    }
    if (r.state !== 'ready') return;
    if (r.doomed !== undefined) this.#unload(r, r.doomed);
    else if (r.keepAliveMs <= 0) this.#unload(r, 'expired');
    else this.#startKeepAlive(r);
  }

  /** `keep_alive: 0` with no messages (§2.2): unload now if idle, else as soon as it is idle. */
  expire(model: InstalledModel): void {
    const r = this.#runners.get(model.name);
    if (!r) return;
    r.keepAliveMs = 0;
    r.expiresAtMs = Date.now();
    if (r.refs === 0 && r.state === 'ready') this.#unload(r, 'unload_request');
  }

  close(): void {
    this.#closed = true;
    for (const job of this.#pending.splice(0)) {
      job.signal.removeEventListener('abort', job.onAbort);
      job.settle(aborted);
    }
    for (const r of this.#runners.values()) {
      r.loadAbort.abort();
      this.#unload(r, 'shutdown');
    }
  }

  #attach(r: Runner, keepAliveMs: number | undefined): void {
    r.refs++;
    if (r.timer) {
      clearTimeout(r.timer);
      r.timer = undefined;
    }
    // The most recent request's keep_alive wins (§2.8); while busy, expires_at is an estimate.
    if (keepAliveMs !== undefined) r.keepAliveMs = keepAliveMs;
    r.expiresAtMs = Date.now() + Math.min(r.keepAliveMs, foreverMs);
  }

  #awaitReady(r: Runner, signal: AbortSignal): Promise<Lease> {
    return new Promise<Lease>((resolve) => {
      const onAbort = (): void => {
        r.readyWaiters.delete(onReady);
        this.release(r);
        resolve(aborted);
      };
      const onReady = (ok: boolean): void => {
        signal.removeEventListener('abort', onAbort);
        resolve(ok ? { ok: true, runner: r, waitedForLoad: true } : aborted);
      };
      if (signal.aborted) return onAbort();
      r.readyWaiters.add(onReady);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Drains the pending-load queue one request at a time. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (let job = this.#pending.shift(); job && !this.#closed; job = this.#pending.shift()) {
        job.signal.removeEventListener('abort', job.onAbort);
        await this.#serve(job);
      }
    } finally {
      this.#pumping = false;
    }
  }

  async #serve(job: PendingJob): Promise<void> {
    for (;;) {
      if (job.signal.aborted || this.#closed) return job.settle(aborted);
      const current = this.#runners.get(job.model.name);
      if (current && current.doomed === undefined && current.load.key === job.load.key) {
        this.#attach(current, job.keepAliveMs);
        if (current.state === 'ready') return job.settle({ ok: true, runner: current, waitedForLoad: true });
        void this.#awaitReady(current, job.signal).then(job.settle);
        return;
      }
      const victim =
        current ?? (this.#runners.size >= this.opts.maxLoadedModels ? this.#chooseVictim() : undefined);
      if (victim) {
        victim.doomed ??= current ? 'reload' : 'evicted';
        if (victim.timer) clearTimeout(victim.timer);
        victim.timer = undefined;
        if (victim.refs > 0 && !(await this.#awaitIdle(victim, job.signal))) return job.settle(aborted);
        if (victim.state !== 'unloaded') this.#unload(victim, victim.doomed ?? 'evicted');
        continue;
      }
      const runner = this.#newRunner(job.model, job.load, job.keepAliveMs ?? this.opts.defaultKeepAliveMs);
      this.#attach(runner, job.keepAliveMs);
      const lease = this.#awaitReady(runner, job.signal);
      await this.#load(runner);
      return job.settle(await lease);
    }
  }

  /** Idle runner with the shortest keep-alive first (then by name); else the shortest keep-alive. */
  #chooseVictim(): Runner | undefined {
    const byKeepAlive = [...this.#runners.values()].sort(
      (a, b) => a.keepAliveMs - b.keepAliveMs || a.model.name.localeCompare(b.model.name),
    );
    return byKeepAlive.find((r) => r.refs === 0) ?? byKeepAlive[0];
  }

  #awaitIdle(r: Runner, signal: AbortSignal): Promise<boolean> {
    if (r.refs === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        r.idleWaiters.delete(onIdle);
        resolve(false);
      };
      const onIdle = (): void => {
        r.idleWaiters.delete(onIdle);
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      };
      r.idleWaiters.add(onIdle);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  #newRunner(model: InstalledModel, load: LoadOptions, keepAliveMs: number): Runner {
    const runner: Runner = {
      model,
      load,
      slots: new SlotSemaphore(this.opts.parallel(model)),
      state: 'loading',
      refs: 0,
      keepAliveMs,
      expiresAtMs: Date.now() + Math.min(keepAliveMs, foreverMs),
      doomed: undefined,
      timer: undefined,
      loadAbort: new AbortController(),
      readyWaiters: new Set(),
      idleWaiters: new Set(),
    };
    this.#runners.set(model.name, runner);
    return runner;
  }

  async #load(r: Runner): Promise<void> {
    const { control } = this.opts;
    if (control.wants('model_loading'))
      control.emit({ type: 'model_loading', model: r.model.name, numCtx: r.load.numCtx });
    const loadMs = this.opts.loadMs(r.model);
    const ok = loadMs <= 0 ? !r.loadAbort.signal.aborted : await sleep(loadMs, r.loadAbort.signal);
    if (ok && r.state === 'loading') {
      r.state = 'ready';
      control.counters.loads++;
      control.emit({ type: 'model_loaded', model: r.model.name, numCtx: r.load.numCtx, loadMs });
    } else if (r.state === 'loading') {
      this.#unload(r, 'load_aborted');
    }
    for (const w of [...r.readyWaiters]) w(r.state === 'ready');
    r.readyWaiters.clear();
    // A load whose last requester left just as it completed: start its keep-alive now.
    if (r.state === 'ready' && r.refs === 0) this.#onIdle(r);
  }

  #startKeepAlive(r: Runner): void {
    r.expiresAtMs = Date.now() + Math.min(r.keepAliveMs, foreverMs);
    if (r.keepAliveMs > maxTimerMs) return;
    r.timer = setTimeout(() => {
      r.timer = undefined;
      if (r.refs === 0) this.#unload(r, 'expired');
    }, r.keepAliveMs);
    r.timer.unref();
  }

  #unload(r: Runner, reason: UnloadReason): void {
    if (r.state === 'unloaded') return;
    const wasReady = r.state === 'ready';
    r.state = 'unloaded';
    if (r.timer) clearTimeout(r.timer);
    r.timer = undefined;
    if (this.#runners.get(r.model.name) === r) this.#runners.delete(r.model.name);
    if (wasReady) this.opts.control.counters.unloads++;
    this.opts.control.emit({ type: 'model_unloaded', model: r.model.name, reason });
  }
}
