import { isCorralError, toCorralError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import { normalizeModelName } from '../core/fleet.js';
import type {
  BackendView,
  CallReport,
  FleetEvent,
  FleetSnapshot,
  FleetView,
  LoadedModelView,
  ModelPerf,
} from '../core/fleet.js';
import type { Backend } from '../core/ports.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { BreakerTransition } from './circuit-breaker.js';

export interface FleetMember {
  backend: Backend;
  weight: number;
  slotsPerModel: number;
  maxLoadedModels: number;
}

export interface FleetOptions {
  /** Discovery of every healthy backend this often; 0 = only after requests and on demand. */
  refreshMs: number;
  /** Bound of one discovery (version, tags, ps); a slower host counts as failing. */
  checkTimeoutMs: number;
  failureThreshold: number;
  cooldownMs: number;
  /** Where a throwing observer's error goes (the composition root logs it). Default: dropped. */
  onListenerError?: (err: unknown) => void;
}

/** Weight of a new measurement in the running means (recent behaviour matters most). */
const EWMA_ALPHA = 0.3;

interface Member {
  readonly backend: Backend;
  readonly weight: number;
  readonly slotsPerModel: number;
  readonly maxLoadedModels: number;
  readonly breaker: CircuitBreaker;
  discovered: boolean;
  version: string | undefined;
  installed: readonly string[];
  loaded: readonly LoadedModelView[];
  refreshedAtMs: number | undefined;
  perf: Map<string, ModelPerf>;
  inFlight: Promise<void> | undefined;
  /** An outcome arrived while a check was running: its `/api/ps` may predate it, check again. */
  again: boolean;
  cooldown: NodeJS.Timeout | undefined;
  /** A refresh asked for by finished requests, at most one per OUTCOME_REFRESH_GAP_MS. */
  soon: NodeJS.Timeout | undefined;
}

/**
 * Finished requests change what is loaded (and until when), so they ask for a refresh; under load
 * that would be three discovery calls per request, so they share one per this interval per host.
 */
const OUTCOME_REFRESH_GAP_MS = 1_000;

/**
 * The backends' state (STYLE.md §1 `backends/fleet.ts`): installed and loaded models, version,
 * health with a circuit breaker per host, and measured speeds. Discovery runs on one timer, after
 * each request's outcome, and as the half-open probe; everything else is event-driven. Readers get
 * an immutable snapshot; observers get events (the gateway takes an opened circuit out of routing).
 */
export class Fleet implements FleetView {
  readonly #members = new Map<string, Member>();
  readonly #options: FleetOptions;
  readonly #clock: Clock;
  readonly #listeners = new Set<(event: FleetEvent) => void>();
  readonly #timer: NodeJS.Timeout | undefined;
  #snapshot: FleetSnapshot | undefined;
  #closed = false;

  constructor(members: readonly FleetMember[], options: FleetOptions, clock: Clock) {
    this.#options = options;
    this.#clock = clock;
    for (const m of members) {
      this.#members.set(m.backend.name, {
        ...m,
        breaker: new CircuitBreaker({
          failureThreshold: options.failureThreshold,
          cooldownMs: options.cooldownMs,
        }),
        discovered: false,
        version: undefined,
        installed: [],
        loaded: [],
        refreshedAtMs: undefined,
        perf: new Map(),
        inFlight: undefined,
        again: false,
        cooldown: undefined,
        soon: undefined,
      });
    }
    if (options.refreshMs > 0) {
      this.#timer = setInterval(() => void this.refresh(), options.refreshMs);
      this.#timer.unref();
    }
    void this.refresh();
  }

  snapshot(): FleetSnapshot {
    this.#snapshot ??= Object.freeze({
      atMs: this.#clock.now(),
      backends: Object.freeze([...this.#members.values()].map(toView)),
    });
    return this.#snapshot;
  }

  on(listener: (event: FleetEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async refresh(): Promise<void> {
    const healthy = [...this.#members.values()].filter((m) => m.breaker.state === 'closed');
    await Promise.all(healthy.map((m) => this.#check(m)));
  }

  report(backend: string, report: CallReport): void {
    const member = this.#members.get(backend);
    if (!member || this.#closed) return;
    if (report.ok) {
      this.#measure(member, report);
      // Calls already running when the circuit opened say nothing about the host now: only the
      // probe may close it (see CircuitBreaker).
      if (member.breaker.state === 'closed') member.breaker.succeeded();
      this.#changed();
      // What is loaded (and until when) changed with this call.
      if (member.breaker.state === 'closed') this.#refreshSoon(member);
      return;
    }
    // Only "the host is not there" counts against it: a 404, a bad request or a busy answer is a
    // property of the request or the moment. No refresh after a failure: it would count twice.
    if (member.breaker.state !== 'closed' || !isHostFailure(report.error)) return;
    this.#apply(member, member.breaker.failed(toCorralError(report.error).message));
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    for (const m of this.#members.values()) {
      if (m.cooldown) clearTimeout(m.cooldown);
      if (m.soon) clearTimeout(m.soon);
    }
    this.#listeners.clear();
    await Promise.all([...this.#members.values()].map((m) => m.inFlight));
  }

  #refreshSoon(member: Member): void {
    if (member.soon) return;
    const last = member.refreshedAtMs ?? Number.NEGATIVE_INFINITY;
    const waitMs = Math.max(0, last + OUTCOME_REFRESH_GAP_MS - this.#clock.now());
    member.soon = setTimeout(() => {
      member.soon = undefined;
      if (!this.#closed && member.breaker.state === 'closed') void this.#check(member, true);
    }, waitMs);
    member.soon.unref();
  }

  /**
   * One discovery of one backend; coalesced, so at most one runs per host. A caller that only wants
   * a recent answer joins the one running; `afterOutcome` needs one that started after its call
   * ended, so it queues one more.
   */
  #check(member: Member, afterOutcome = false): Promise<void> {
    if (member.inFlight) {
      if (afterOutcome) member.again = true;
      return member.inFlight;
    }
    member.again = false;
    member.inFlight = this.#discover(member).finally(() => {
      member.inFlight = undefined;
      if (member.again && !this.#closed && member.breaker.state === 'closed') void this.#check(member);
    });
    return member.inFlight;
  }

  async #discover(member: Member): Promise<void> {
    const signal = AbortSignal.timeout(this.#options.checkTimeoutMs);
    const { backend } = member;
    let result: [string, string[], LoadedModelView[]];
    try {
      result = await Promise.all([
        backend.version({ signal }),
        backend.listModels({ signal }).then((list) => list.map((m) => normalizeModelName(m.name))),
        backend.listLoaded({ signal }).then((list) =>
          list.map((m) => ({
            name: normalizeModelName(m.name),
            expiresAt: m.expiresAt,
            ...(m.contextLength === undefined ? {} : { contextLength: m.contextLength }),
          })),
        ),
      ]);
    } catch (err) {
      if (this.#closed) return;
      const message = signal.aborted
        ? `backend ${backend.name} did not answer discovery within ${this.#options.checkTimeoutMs} ms`
        : toCorralError(err).message;
      this.#apply(member, member.breaker.failed(message));
      return;
    }
    if (this.#closed) return;
    [member.version, member.installed, member.loaded] = result;
    member.discovered = true;
    member.refreshedAtMs = this.#clock.now();
    const transition = member.breaker.succeeded();
    this.#changed();
    this.#emit({ type: 'refreshed', backend: backend.name });
    this.#apply(member, transition);
  }

  #apply(member: Member, transition: BreakerTransition): void {
    this.#changed();
    const backend = member.backend.name;
    switch (transition) {
      case 'none':
        return;
      case 'opened':
        member.cooldown = setTimeout(() => {
          member.cooldown = undefined;
          this.#apply(member, member.breaker.startProbe());
        }, member.breaker.cooldownMs);
        member.cooldown.unref();
        this.#emit({ type: 'circuit_opened', backend, error: member.breaker.lastError ?? 'failing' });
        return;
      case 'half_open':
        this.#emit({ type: 'circuit_half_open', backend });
        void this.#check(member);
        return;
      case 'closed':
        this.#emit({ type: 'circuit_closed', backend });
        return;
    }
  }

  #measure(member: Member, report: Extract<CallReport, { ok: true }>): void {
    const model = normalizeModelName(report.model);
    const old = member.perf.get(model) ?? {};
    const loadMs = report.loadMs !== undefined && report.loadMs > 0 ? report.loadMs : undefined;
    const serviceMs = Math.max(0, report.processingMs - (loadMs ?? 0));
    member.perf.set(model, {
      serviceMs: ewma(old.serviceMs, serviceMs),
      ...(loadMs !== undefined
        ? { loadMs: ewma(old.loadMs, loadMs) }
        : old.loadMs
          ? { loadMs: old.loadMs }
          : {}),
    });
    // It ran, so it is resident now; the check that follows fills in the expiry.
    if (!member.loaded.some((m) => m.name === model))
      member.loaded = [...member.loaded, { name: model, expiresAt: '' }];
  }

  #changed(): void {
    this.#snapshot = undefined;
  }

  #emit(event: FleetEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (err) {
        // An observer's bug must not stop discovery or leave a circuit half-switched.
        this.#options.onListenerError?.(err);
      }
    }
  }
}

function ewma(old: number | undefined, sample: number): number {
  return old === undefined ? sample : old + EWMA_ALPHA * (sample - old);
}

function isHostFailure(error: unknown): boolean {
  return isCorralError(error) && error.kind === 'unavailable';
}

function toView(m: Member): BackendView {
  const lastError = m.breaker.lastError;
  return Object.freeze({
    name: m.backend.name,
    url: m.backend.url,
    weight: m.weight,
    slotsPerModel: m.slotsPerModel,
    maxLoadedModels: m.maxLoadedModels,
    circuit: m.breaker.state,
    discovered: m.discovered,
    ...(m.version === undefined ? {} : { version: m.version }),
    installed: Object.freeze([...m.installed]),
    loaded: Object.freeze([...m.loaded]),
    consecutiveFailures: m.breaker.consecutiveFailures,
    ...(lastError === undefined ? {} : { lastError }),
    ...(m.refreshedAtMs === undefined ? {} : { refreshedAtMs: m.refreshedAtMs }),
    perf: Object.freeze(Object.fromEntries(m.perf)),
  });
}
