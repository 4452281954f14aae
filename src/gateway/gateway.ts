import type { Logger } from 'pino';
import type {
  ChatEvent,
  ChatRequest,
  EmbedRequest,
  EmbedResult,
  GenerateRequest,
  InferenceRequest,
  RequestMeta,
} from '../core/chat.js';
import type { Admission, AdmissionTicket } from '../core/admission.js';
import type { Clock } from '../core/clock.js';
import { CorralError, isCorralError, toCorralError } from '../core/errors.js';
import type { FleetEvent, FleetView } from '../core/fleet.js';
import { AffinityTable } from '../core/conversation.js';
import type { Backend } from '../core/ports.js';
import type { QueueEvent } from '../core/queue-events.js';
import type { JobSpec, Scheduler } from '../scheduler/index.js';
import { chooseBackends, RouteLog, routeHintsFor } from './backend-choice.js';
import type { RouteRecord } from './backend-choice.js';
import type { GatewayEvent } from './events.js';
import type { CloudFallback, FallbackReason } from './cloud-fallback.js';
import { meter, openCloudLease, openLease } from './lease.js';
import type { FinishInfo, Lease, LeaseOwner } from './lease.js';
import { LiveLoadCounter } from './live-load.js';
import { ModelCatalog } from './model-catalog.js';
import { QueueNotifier } from './queue-notifier.js';
import type { TenantDirectory } from './tenant-directory.js';
import { TypedEmitter } from './typed-emitter.js';
import { WaitingRoom } from './waiting-room.js';

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
  /** The cloud fallback, when configured: where allowed requests go instead of waiting too long. */
  fallback?: CloudFallback;
  /** Health and discovery of the backends; the router decides from its snapshot. */
  fleet: FleetView;
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
  /** Served by the cloud fallback, as this cloud model (responses say so in `x-corral-served-by`). */
  cloudModel?: string;
  waitMs: number;
  events: AsyncIterable<ChatEvent>;
}

/** A request refused before it could wait (routing or queue bounds): settled as `rejected`. */
class RoutingRefusal {
  constructor(readonly error: unknown) {}
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
  readonly fleet: FleetView;
  readonly #scheduler: Scheduler;
  readonly #load = new LiveLoadCounter();
  readonly #offFleet: () => void;
  readonly #backends: ReadonlyMap<string, Backend>;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #room: WaitingRoom;
  readonly #routes = new RouteLog();
  /** The host that served each recent conversation (prompt-cache affinity). */
  readonly #affinity = new AffinityTable();
  readonly #logPrompts: boolean;
  readonly #leaseOwner: LeaseOwner;
  readonly #notifier: QueueNotifier;
  readonly #admission: Admission | undefined;
  readonly #fallback: CloudFallback | undefined;
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
    this.#logPrompts = deps.options.logPrompts ?? false;
    this.#notifier = new QueueNotifier(deps.scheduler, () => deps.clock.now());
    this.#admission = deps.admission;
    this.#fallback = deps.fallback;
    this.#tenants = deps.tenants;
    this.fleet = deps.fleet;
    const finished = this.#finished.bind(this);
    const common = { scheduler: deps.scheduler, fleet: deps.fleet, load: this.#load, clock: deps.clock };
    this.#room = new WaitingRoom({ ...common, maxQueueWaitMs: deps.options.maxQueueWaitMs, finished });
    this.#leaseOwner = {
      ...common,
      finished,
      apply: (dispatches) => this.#room.apply(dispatches),
      attemptFailed: (backend, error) =>
        this.events.emit({ type: 'upstream_error', backend, errorKind: toCorralError(error).kind }),
    };
    this.#offFleet = deps.fleet.on((event) => this.#onFleet(event));
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

  /** The cloud fallback as `/api/status` shows it (undefined when off). */
  fallbackStatus(): { enabled: true; backend: string; url: string; maxWaitMs: number } | undefined {
    const f = this.#fallback;
    return f && { enabled: true, backend: f.backend.name, url: f.backend.url, maxWaitMs: f.maxWaitMs };
  }

  /** The last routing decisions, oldest first, with the predictions that ranked the backends. */
  recentRoutes(): readonly RouteRecord[] {
    return this.#routes.list();
  }

  /**
   * Runs a chat or generate request; resolves when the upstream has accepted it. A backend that
   * cannot be reached before the first byte is replaced by the next eligible one (the client has
   * seen nothing yet); a failure after that ends the stream, as the encoders render it.
   */
  async generate(
    req: ChatRequest | GenerateRequest,
    meta: RequestMeta,
    hooks: RequestHooks,
  ): Promise<Generation> {
    let lease = await this.#acquire(req, meta, hooks);
    for (;;) {
      try {
        const upstream = await lease.backend.generate(req, {
          signal: lease.signal,
          requestId: meta.id,
          ...(lease.upstreamModel === undefined ? {} : { model: lease.upstreamModel }),
        });
        return {
          backend: lease.backend.name,
          ...(lease.cloud && lease.upstreamModel !== undefined ? { cloudModel: lease.upstreamModel } : {}),
          waitMs: lease.waitMs,
          events: meter(upstream, lease),
        };
      } catch (err) {
        lease = await this.#failover(lease, err, req, meta, hooks);
      }
    }
  }

  async embed(req: EmbedRequest, meta: RequestMeta, hooks: RequestHooks): Promise<EmbedResult> {
    let lease = await this.#acquire(req, meta, hooks);
    for (;;) {
      try {
        const result = await lease.backend.embed(req, { signal: lease.signal, requestId: meta.id });
        await lease.release(undefined, result.usage);
        return result;
      } catch (err) {
        lease = await this.#failover(lease, err, req, meta, hooks);
      }
    }
  }

  /**
   * After a failure before any output: a lease on another backend if the host was unreachable and
   * another one may serve the request, else the request ends with `err` (thrown).
   */
  async #failover(
    lease: Lease,
    err: unknown,
    req: InferenceRequest,
    meta: RequestMeta,
    hooks: RequestHooks,
  ): Promise<Lease> {
    // The cloud is the last resort: a failure there is final.
    if (lease.cloud || hooks.signal.aborted || !(isCorralError(err) && err.kind === 'unavailable')) {
      await lease.release(err);
      throw err;
    }
    lease.abandon(err);
    lease.tried.add(lease.backend.name);
    this.#log.info({ reqId: meta.id, backend: lease.backend.name }, 'backend unreachable, trying another');
    try {
      return await this.#enqueue(req, meta, hooks, lease.tried, lease.enqueuedAt);
    } catch (retryErr) {
      // Left the queue (client gone, deadline): already settled by the wait.
      if (!(retryErr instanceof RoutingRefusal)) throw retryErr;
      // No other backend: the request fails with what went wrong, not with "nobody is left".
      const inner = retryErr.error;
      const error = isCorralError(inner) && inner.kind === 'unavailable' ? err : inner;
      const backend = lease.backend.name;
      await this.#finished(req, meta, { outcome: 'failed', error, waitMs: lease.waitMs, backend });
      throw error;
    }
  }

  async close(): Promise<void> {
    this.#room.rejectAll(new CorralError('unavailable', 'the gateway is shutting down'));
    this.#notifier.close();
    this.#offFleet();
    clearInterval(this.#agingTimer);
    await Promise.all([...this.#backends.values()].map((b) => b.close()));
  }

  /** Admission, then the wait for a slot. Resolves with a lease the caller must release. */
  async #acquire(req: InferenceRequest, meta: RequestMeta, hooks: RequestHooks): Promise<Lease> {
    const { signal } = hooks;
    if (signal.aborted) throw signal.reason;
    if (this.#logPrompts) this.#log.info({ reqId: meta.id, request: req }, 'prompt');
    if (this.#admission) {
      // A refusal here (quota, permission) happens before the request waits and is not metered.
      this.#tickets.set(meta.id, await this.#admission.admit(req, meta));
      if (signal.aborted) {
        await this.#finished(req, meta, { outcome: 'cancelled', error: signal.reason, waitMs: 0 });
        throw signal.reason;
      }
    }
    if (meta.tenantSettings) this.#tenants?.remember(meta.tenant, meta.tenantSettings);
    try {
      return await this.#enqueue(req, meta, hooks, new Set(), this.#clock.now());
    } catch (err) {
      // Refused before it could wait (routing, queue bounds): settled here, not metered.
      if (err instanceof RoutingRefusal) {
        await this.#finished(req, meta, { outcome: 'rejected', error: err.error, waitMs: 0 });
        throw err.error;
      }
      throw err;
    }
  }

  /** Routing, then the scheduler's decision, then the wait for a slot: a lease on one backend. */
  async #enqueue(
    req: InferenceRequest,
    meta: RequestMeta,
    hooks: RequestHooks,
    exclude: Set<string>,
    enqueuedAt: number,
  ): Promise<Lease> {
    const { signal } = hooks;
    const route = { enqueuedAt, tried: exclude };
    // The cloud model this request may overflow to (mapped model, allowed tenant), if any.
    const cloudModel = this.#fallback?.targetFor(req, meta);
    const toCloud = (reason: FallbackReason) => this.#toCloud(req, meta, hooks, route, cloudModel!, reason);
    const { hints, conversation } = routeHintsFor(req, this.#affinity);
    let backends: readonly string[];
    try {
      const candidates = await chooseBackends(this.fleet, this.#load, req, exclude, hints);
      backends = candidates.map((c) => c.backend);
      this.#routes.record({ id: meta.id, model: req.model, atMs: this.#clock.now(), candidates });
    } catch (err) {
      // No local host has the model, or none is healthy: the cloud, where allowed.
      if (
        cloudModel !== undefined &&
        !signal.aborted &&
        isCorralError(err) &&
        (err.kind === 'not_found' || err.kind === 'unavailable')
      )
        return toCloud('no_local_host');
      throw new RoutingRefusal(err);
    }
    if (signal.aborted) {
      // Gone while routing looked a model up again: not queued yet, so settled here.
      await this.#finished(req, meta, { outcome: 'cancelled', error: signal.reason, waitMs: 0 });
      throw signal.reason;
    }
    const maxOutput = req.kind === 'embed' ? 0 : req.sampling.maxOutputTokens;
    const spec: JobSpec = {
      id: meta.id,
      model: req.model,
      tenant: meta.tenant,
      ...(meta.priority === undefined ? {} : { priority: meta.priority }),
      promptTokens: hints.promptTokens,
      ...(maxOutput === undefined ? {} : { maxOutputTokens: maxOutput }),
      backends,
    };
    const decision = this.#scheduler.submit(spec);
    let backendName: string;
    switch (decision.type) {
      case 'rejected':
        // The whole queue is full (not this tenant over its own limit, which stays a 429).
        if (cloudModel !== undefined && decision.error.kind === 'queue_full') return toCloud('no_local_host');
        throw new RoutingRefusal(decision.error);
      case 'dispatch':
        backendName = decision.backend;
        break;
      case 'queued': {
        const { onQueue } = hooks;
        const eta = this.#scheduler.estimate(meta.id);
        // Bounded wait, decided before the client is told it waits: a predicted start past the
        // bound goes to the cloud now rather than after the bound has been spent waiting.
        const bound = this.#fallback && Math.min(this.#fallback.maxWaitMs, meta.maxQueueWaitMs ?? Infinity);
        const waitedMs = this.#clock.now() - enqueuedAt;
        if (
          cloudModel !== undefined &&
          bound !== undefined &&
          eta !== undefined &&
          waitedMs + eta.startInMs > bound
        ) {
          this.#room.apply(this.#scheduler.cancel(meta.id, 'fallback'));
          return toCloud('predicted_wait');
        }
        this.#log.debug(
          {
            reqId: meta.id,
            tenant: meta.tenant,
            model: req.model,
            position: decision.position,
            etaMs: eta?.startInMs,
          },
          'queued',
        );
        onQueue?.({
          type: 'queued',
          position: decision.position,
          ahead: decision.ahead,
          ...(eta === undefined ? {} : { etaMs: eta.startInMs, finishEtaMs: eta.finishInMs }),
        });
        if (onQueue) this.#notifier.watch(meta.id, req.model, decision.position, onQueue, eta?.startInMs);
        this.#load.queued(req.model, 1);
        let result;
        try {
          const fallbackAfterMs =
            cloudModel === undefined || bound === undefined ? undefined : bound - waitedMs;
          result = await this.#room.wait({ req, meta, spec, exclude, enqueuedAt }, signal, fallbackAfterMs);
        } finally {
          this.#load.queued(req.model, -1);
          this.#notifier.unwatch(meta.id);
        }
        if (result.type === 'fallback') return toCloud(result.reason);
        backendName = result.backend;
        break;
      }
    }
    const backend = this.#backends.get(backendName);
    if (!backend) throw new CorralError('internal', `scheduler chose unknown backend ${backendName}`);
    this.#log.debug(
      { reqId: meta.id, backend: backend.name, waitMs: this.#clock.now() - enqueuedAt },
      'dispatched',
    );
    if (conversation !== undefined) this.#affinity.remember(conversation, backend.name);
    hooks.onQueue?.({ type: 'dispatched', backend: backend.name });
    return openLease(this.#leaseOwner, { req, meta, backend, clientSignal: signal }, route);
  }

  /** A lease on the cloud fallback; the client is told (queue frame now, header on the response). */
  #toCloud(
    req: InferenceRequest,
    meta: RequestMeta,
    hooks: RequestHooks,
    route: { enqueuedAt: number; tried: Set<string> },
    cloudModel: string,
    reason: FallbackReason,
  ): Lease {
    const fallback = this.#fallback!;
    const { backend } = fallback;
    this.#log.info(
      { reqId: meta.id, tenant: meta.tenant, model: req.model, cloudModel, reason },
      'cloud fallback',
    );
    // The status page shows the local candidates that lost (if routing got that far) and why.
    const local = this.#routes.find(meta.id);
    this.#routes.record({
      id: meta.id,
      model: req.model,
      atMs: this.#clock.now(),
      candidates: local?.candidates ?? [],
      fallback: { to: backend.name, model: cloudModel, reason },
    });
    this.events.emit({
      type: 'fallback',
      id: meta.id,
      tenant: meta.tenant,
      model: req.model,
      cloudModel,
      reason,
    });
    hooks.onQueue?.({ type: 'fallback', to: backend.name, model: cloudModel, reason });
    return openCloudLease(this.#leaseOwner, { req, meta, backend, clientSignal: hooks.signal }, route, {
      model: cloudModel,
      costUsd: (usage) => fallback.costUsd(cloudModel, usage),
    });
  }

  /**
   * A circuit opened: the backend leaves routing and the scheduler, and jobs that could only wait
   * for it are routed again (or fail now) instead of waiting forever. A circuit closed: its slots
   * come back, and jobs still listing it may start there.
   */
  #onFleet(event: FleetEvent): void {
    if (event.type === 'circuit_opened') {
      this.#log.warn({ backend: event.backend, error: event.error }, 'backend circuit opened');
      const removal = this.#scheduler.removeBackend(event.backend);
      this.#room.apply(removal.dispatches);
      for (const job of removal.stranded) this.#room.reroute(job);
    } else if (event.type === 'circuit_closed') {
      this.#log.info({ backend: event.backend }, 'backend circuit closed');
      const view = this.fleet.snapshot().backends.find((b) => b.name === event.backend);
      if (view) this.#room.apply(this.#scheduler.setBackendDefaultSlots(event.backend, view.slotsPerModel));
    }
  }

  #finished(req: InferenceRequest, meta: RequestMeta, info: FinishInfo): void | Promise<void> {
    const errorKind = info.error === undefined ? undefined : toCorralError(info.error).kind;
    const ticket = this.#tickets.get(meta.id);
    let recorded: void | Promise<void> = undefined;
    if (ticket) {
      this.#tickets.delete(meta.id);
      recorded = ticket.settle({
        outcome: info.outcome,
        ...(errorKind ? { errorKind } : {}),
        ...(info.backend ? { backend: info.backend } : {}),
        ...(info.cloud ? { cloud: info.cloud } : {}),
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
      ...(info.cloud ? { cloud: info.cloud } : {}),
      outcome: info.outcome,
      ...(errorKind ? { errorKind } : {}),
      waitMs: info.waitMs,
      processingMs: info.processingMs ?? 0,
      inputTokens: info.usage?.inputTokens ?? 0,
      outputTokens: info.usage?.outputTokens ?? 0,
    });
    this.#log.debug(
      {
        reqId: meta.id,
        outcome: info.outcome,
        backend: info.backend,
        errorKind,
        waitMs: info.waitMs,
        processingMs: info.processingMs,
        inputTokens: info.usage?.inputTokens,
        outputTokens: info.usage?.outputTokens,
      },
      'request finished',
    );
    if (info.outcome === 'failed' && errorKind === 'internal') {
      this.#log.error({ reqId: meta.id, err: info.error }, 'request failed');
    }
    return recorded;
  }
}
