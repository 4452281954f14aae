import type { Logger } from 'pino';
import type {
  ChatEvent,
  ChatRequest,
  EmbedRequest,
  EmbedResult,
  GenerateRequest,
  InferenceRequest,
  RequestMeta,
  Timings,
  Usage,
} from '../core/chat.js';
import type { Admission, AdmissionTicket } from '../core/admission.js';
import type { Clock } from '../core/clock.js';
import { CorralError, toCorralError } from '../core/errors.js';
import { estimatePromptTokens } from '../core/token-estimate.js';
import type { Backend } from '../core/ports.js';
import type { QueueEvent } from '../core/queue-events.js';
import type { Dispatch, JobUsage, Scheduler } from '../scheduler/index.js';
import type { GatewayEvent, Outcome } from './events.js';
import { ModelCatalog } from './model-catalog.js';
import { QueueNotifier } from './queue-notifier.js';
import type { TenantDirectory } from './tenant-directory.js';
import { TypedEmitter } from './typed-emitter.js';

export interface GatewayOptions {
  /** 0 = wait as long as it takes; otherwise a queued request fails with `timeout` after this long. */
  maxQueueWaitMs: number;
  /** Log each request's messages (config `logging.logPrompts`; off by default: other people's data). */
  logPrompts?: boolean;
}

export interface GatewayDeps {
  scheduler: Scheduler;
  /** Quotas and permissions checked before a request may wait (none: everything is admitted). */
  admission?: Admission;
  /** Where per-request tenant settings (from a key's record) are handed to the fair queue. */
  tenants?: TenantDirectory;
  backends: readonly Backend[];
  clock: Clock;
  log: Logger;
  options: GatewayOptions;
}

export interface RequestHooks {
  /** Aborts when the client leaves; the request then leaves the queue or its upstream call stops. */
  signal: AbortSignal;
  /** Told when the request has to wait, and when it starts. */
  onQueue?: (event: QueueEvent) => void;
}

export interface Generation {
  backend: string;
  waitMs: number;
  events: AsyncIterable<ChatEvent>;
}

interface Waiter {
  resolve(backend: string): void;
  reject(reason: unknown): void;
}

/** A granted slot: released exactly once, whatever ends the request. */
interface Lease {
  backend: Backend;
  signal: AbortSignal;
  waitMs: number;
  /** Resolves when the outcome is recorded (see `AdmissionTicket.settle`); never rejects. */
  release(error: unknown, usage?: Usage, timings?: Timings): void | Promise<void>;
}

/**
 * The life of one request (STYLE.md §1 `gateway/`): admission into the scheduler, waiting for a
 * slot, the upstream call, and giving the slot back. It decides nothing about order — the scheduler
 * does — and talks to upstreams only through the `Backend` port.
 */
export class Gateway {
  readonly events = new TypedEmitter<GatewayEvent>();
  /** What the backends have and run (answered from them, not queued). */
  readonly catalog: ModelCatalog;
  readonly #scheduler: Scheduler;
  readonly #backends: ReadonlyMap<string, Backend>;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #options: GatewayOptions;
  readonly #waiters = new Map<string, Waiter>();
  readonly #notifier: QueueNotifier;
  readonly #admission: Admission | undefined;
  readonly #tenants: TenantDirectory | undefined;
  readonly #agingTimer: NodeJS.Timeout;
  /** Tickets of admitted requests, settled in `#finished`. */
  readonly #tickets = new Map<string, AdmissionTicket>();

  constructor(deps: GatewayDeps) {
    this.#scheduler = deps.scheduler;
    this.#backends = new Map(deps.backends.map((b) => [b.name, b]));
    this.catalog = new ModelCatalog(deps.backends);
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#options = deps.options;
    this.#notifier = new QueueNotifier(deps.scheduler, () => deps.clock.now());
    this.#admission = deps.admission;
    this.#tenants = deps.tenants;
    // Aging is the one time-based rule of the queue: let it reorder (and announce moved positions)
    // once a second. The scheduler itself has no timers.
    this.#agingTimer = setInterval(() => {
      if (deps.scheduler.queued > 0) deps.scheduler.tick();
    }, 1000);
    this.#agingTimer.unref();
  }

  get backends(): Backend[] {
    return [...this.#backends.values()];
  }

  /** Runs a chat or generate request; resolves when the upstream has accepted it. */
  async generate(
    req: ChatRequest | GenerateRequest,
    meta: RequestMeta,
    hooks: RequestHooks,
  ): Promise<Generation> {
    const lease = await this.#acquire(req, meta, hooks);
    try {
      const upstream = await lease.backend.generate(req, { signal: lease.signal, requestId: meta.id });
      return { backend: lease.backend.name, waitMs: lease.waitMs, events: meter(upstream, lease) };
    } catch (err) {
      lease.release(err);
      throw err;
    }
  }

  async embed(req: EmbedRequest, meta: RequestMeta, hooks: RequestHooks): Promise<EmbedResult> {
    const lease = await this.#acquire(req, meta, hooks);
    try {
      const result = await lease.backend.embed(req, { signal: lease.signal, requestId: meta.id });
      await lease.release(undefined, result.usage);
      return result;
    } catch (err) {
      lease.release(err);
      throw err;
    }
  }

  async close(): Promise<void> {
    for (const waiter of this.#waiters.values())
      waiter.reject(new CorralError('unavailable', 'the gateway is shutting down'));
    this.#waiters.clear();
    this.#notifier.close();
    clearInterval(this.#agingTimer);
    await Promise.all([...this.#backends.values()].map((b) => b.close()));
  }

  /** Admission, then the wait for a slot. Resolves with a lease the caller must release. */
  async #acquire(req: InferenceRequest, meta: RequestMeta, hooks: RequestHooks): Promise<Lease> {
    const { signal } = hooks;
    if (signal.aborted) throw signal.reason;
    if (this.#options.logPrompts) this.#log.info({ reqId: meta.id, request: req }, 'prompt');
    if (this.#admission) {
      // A refusal here (quota, permission) happens before the request waits and is not metered.
      this.#tickets.set(meta.id, await this.#admission.admit(req, meta));
      if (signal.aborted) {
        await this.#finished(req, meta, { outcome: 'cancelled', error: signal.reason, waitMs: 0 });
        throw signal.reason;
      }
    }
    const enqueuedAt = this.#clock.now();
    if (meta.tenantSettings) this.#tenants?.remember(meta.tenant, meta.tenantSettings);
    const maxOutput = req.kind === 'embed' ? 0 : req.sampling.maxOutputTokens;
    const decision = this.#scheduler.submit({
      id: meta.id,
      model: req.model,
      tenant: meta.tenant,
      ...(meta.priority === undefined ? {} : { priority: meta.priority }),
      promptTokens: estimatePromptTokens(req),
      ...(maxOutput === undefined ? {} : { maxOutputTokens: maxOutput }),
      backends: [...this.#backends.keys()],
    });
    let backendName: string;
    switch (decision.type) {
      case 'rejected':
        await this.#finished(req, meta, { outcome: 'rejected', error: decision.error, waitMs: 0 });
        throw decision.error;
      case 'dispatch':
        backendName = decision.backend;
        break;
      case 'queued': {
        const { onQueue } = hooks;
        const etaMs = this.#scheduler.estimate(meta.id)?.startInMs;
        onQueue?.({
          type: 'queued',
          position: decision.position,
          ahead: decision.ahead,
          ...(etaMs === undefined ? {} : { etaMs }),
        });
        if (onQueue) this.#notifier.watch(meta.id, req.model, decision.position, onQueue);
        try {
          backendName = await this.#wait(req, meta, hooks, enqueuedAt);
        } finally {
          this.#notifier.unwatch(meta.id);
        }
        break;
      }
    }
    const backend = this.#backends.get(backendName);
    if (!backend) throw new CorralError('internal', `scheduler chose unknown backend ${backendName}`);
    hooks.onQueue?.({ type: 'dispatched', backend: backend.name });
    return this.#lease(req, meta, backend, signal, this.#clock.now() - enqueuedAt);
  }

  #wait(req: InferenceRequest, meta: RequestMeta, hooks: RequestHooks, enqueuedAt: number): Promise<string> {
    const { signal } = hooks;
    return new Promise<string>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const leave = (reason: unknown, outcome: 'cancelled' | 'timed_out') => {
        if (!this.#waiters.delete(meta.id)) return;
        cleanup();
        this.#apply(this.#scheduler.cancel(meta.id, outcome));
        this.#finished(req, meta, { outcome, error: reason, waitMs: this.#clock.now() - enqueuedAt });
        reject(reason);
      };
      const onAbort = () => leave(signal.reason, 'cancelled');
      const cleanup = () => {
        signal.removeEventListener('abort', onAbort);
        if (timer) clearTimeout(timer);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const maxWaitMs = this.#options.maxQueueWaitMs;
      if (maxWaitMs > 0) {
        timer = setTimeout(() => {
          const error = new CorralError(
            'timeout',
            `no slot for model '${req.model}' became free within ${maxWaitMs} ms`,
            {
              retryAfterMs: maxWaitMs,
            },
          );
          leave(error, 'timed_out');
        }, maxWaitMs);
      }
      this.#waiters.set(meta.id, {
        resolve: (backend) => {
          cleanup();
          resolve(backend);
        },
        reject: (reason) => {
          cleanup();
          reject(reason);
        },
      });
    });
  }

  /** Hands freed slots to the jobs the scheduler chose. */
  #apply(dispatches: readonly Dispatch[]): void {
    const pending = [...dispatches];
    for (let d = pending.shift(); d; d = pending.shift()) {
      const waiter = this.#waiters.get(d.jobId);
      if (waiter) {
        this.#waiters.delete(d.jobId);
        waiter.resolve(d.backend);
      } else {
        // Every dispatch has already taken a slot; one nobody waits for any more (gateway shutting
        // down) is handed straight back, or the slot would leak.
        pending.push(...this.#scheduler.cancel(d.jobId, 'cancelled'));
      }
    }
  }

  #lease(
    req: InferenceRequest,
    meta: RequestMeta,
    backend: Backend,
    clientSignal: AbortSignal,
    waitMs: number,
  ): Lease {
    // The upstream call gets its own signal, aborted when the client leaves or when the request
    // ends without finishing cleanly: that closes whatever is still open upstream, even an iterator
    // nobody started (an un-started async generator's `finally` never runs). One controller fed by
    // our own listener, rather than AbortSignal.any, which is slow and leak-prone on Node 20.
    const upstream = new AbortController();
    const startedAt = this.#clock.now();
    let released = false;
    const release = (error: unknown, usage?: Usage, timings?: Timings): void | Promise<void> => {
      if (released) return;
      released = true;
      clientSignal.removeEventListener('abort', onClientAbort);
      const outcome: Outcome = clientSignal.aborted ? 'cancelled' : error === undefined ? 'done' : 'failed';
      if (outcome !== 'done') upstream.abort(clientSignal.aborted ? clientSignal.reason : error);
      const dispatches =
        outcome === 'cancelled'
          ? this.#scheduler.cancel(meta.id, 'cancelled')
          : this.#scheduler.finish(meta.id, outcome === 'done' ? 'done' : 'failed', jobUsage(usage, timings));
      this.#apply(dispatches);
      const processingMs = this.#clock.now() - startedAt;
      return this.#finished(req, meta, {
        outcome,
        error,
        waitMs,
        processingMs,
        backend: backend.name,
        ...(usage ? { usage } : {}),
      });
    };
    const onClientAbort = () => void release(clientSignal.reason);
    clientSignal.addEventListener('abort', onClientAbort, { once: true });
    if (clientSignal.aborted) void release(clientSignal.reason);
    return { backend, signal: upstream.signal, waitMs, release };
  }

  #finished(
    req: InferenceRequest,
    meta: RequestMeta,
    info: {
      outcome: Outcome;
      error?: unknown;
      waitMs: number;
      processingMs?: number;
      backend?: string;
      usage?: Usage;
    },
  ): void | Promise<void> {
    const errorKind = info.error === undefined ? undefined : toCorralError(info.error).kind;
    const ticket = this.#tickets.get(meta.id);
    let recorded: void | Promise<void> = undefined;
    if (ticket) {
      this.#tickets.delete(meta.id);
      recorded = ticket.settle({
        outcome: info.outcome,
        ...(errorKind ? { errorKind } : {}),
        ...(info.backend ? { backend: info.backend } : {}),
        usage: info.usage ?? { inputTokens: 0, outputTokens: 0 },
        waitMs: info.waitMs,
        processingMs: info.processingMs ?? 0,
      });
    }
    if (info.backend && errorKind && info.outcome === 'failed') {
      this.events.emit({ type: 'upstream_error', backend: info.backend, errorKind });
    }
    this.events.emit({
      type: 'request_finished',
      id: meta.id,
      protocol: meta.protocol,
      kind: req.kind,
      model: req.model,
      tenant: meta.tenant,
      ...(info.backend ? { backend: info.backend } : {}),
      outcome: info.outcome,
      ...(errorKind ? { errorKind } : {}),
      waitMs: info.waitMs,
      processingMs: info.processingMs ?? 0,
      inputTokens: info.usage?.inputTokens ?? 0,
      outputTokens: info.usage?.outputTokens ?? 0,
    });
    if (info.outcome === 'failed' && errorKind === 'internal') {
      this.#log.error({ reqId: meta.id, err: info.error }, 'request failed');
    }
    return recorded;
  }
}

/** Passes events through and releases the lease when the stream ends, however it ends. */
async function* meter(upstream: AsyncIterable<ChatEvent>, lease: Lease): AsyncGenerator<ChatEvent> {
  let usage: Usage | undefined;
  let timings: Timings | undefined;
  let error: unknown;
  try {
    for await (const event of upstream) {
      if (event.type === 'done') ({ usage, timings } = event);
      yield event;
    }
  } catch (err) {
    error = err;
    throw err;
  } finally {
    // Awaited: the stream (and so the response) ends only once its usage row is committed.
    await lease.release(error, usage, timings);
  }
}

/** What the ETA estimator learns from a finished job: token counts and Ollama's timings in ms. */
function jobUsage(usage: Usage | undefined, timings: Timings | undefined): JobUsage | undefined {
  if (!usage) return undefined;
  const out: { -readonly [K in keyof JobUsage]: JobUsage[K] } = {
    promptTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
  };
  if (timings?.loadNs !== undefined) out.loadMs = timings.loadNs / 1e6;
  if (timings?.promptEvalNs !== undefined) out.promptEvalMs = timings.promptEvalNs / 1e6;
  if (timings?.evalNs !== undefined) out.evalMs = timings.evalNs / 1e6;
  return out;
}
