import type { ChatEvent, InferenceRequest, RequestMeta, Timings, Usage } from '../core/chat.js';
import type { Clock } from '../core/clock.js';
import type { FleetView } from '../core/fleet.js';
import type { Backend } from '../core/ports.js';
import type { Dispatch, JobUsage, Scheduler } from '../scheduler/index.js';
import type { Outcome } from './events.js';
import type { LiveLoadCounter } from './live-load.js';

/** How a request ended, for the usage row and the `request_finished` event. */
export interface FinishInfo {
  outcome: Outcome;
  error?: unknown;
  waitMs: number;
  processingMs?: number;
  backend?: string;
  usage?: Usage;
  /** Served by the cloud fallback: the cloud model and the call's cost. */
  cloud?: { model: string; costUsd: number };
}

/** A granted slot: given back exactly once, whatever ends the request. */
export interface Lease {
  readonly backend: Backend;
  readonly signal: AbortSignal;
  readonly waitMs: number;
  /** Resolves when the outcome is recorded (see `AdmissionTicket.settle`); never rejects. */
  release(error: unknown, usage?: Usage, timings?: Timings): void | Promise<void>;
  /** Gives the slot back before a retry on another backend: the request goes on, nothing is settled. */
  abandon(error: unknown): void;
  /** Backends this request has failed on (not to be tried again), and when it first queued. */
  readonly tried: Set<string>;
  readonly enqueuedAt: number;
  /** A lease on the cloud fallback (no slot; a failure there is final). */
  readonly cloud: boolean;
  /** The upstream's name for the model, when it is not the client's (the cloud mapping). */
  readonly upstreamModel?: string;
}

export interface LeaseOwner {
  scheduler: Scheduler;
  fleet: FleetView;
  load: LiveLoadCounter;
  clock: Clock;
  apply(dispatches: readonly Dispatch[]): void;
  finished(req: InferenceRequest, meta: RequestMeta, info: FinishInfo): void | Promise<void>;
  /** A failed attempt that is retried elsewhere: observers still see the upstream error. */
  attemptFailed(backend: string, error: unknown): void;
}

/** Opens a lease on `backend` for a dispatched job. */
export function openLease(
  owner: LeaseOwner,
  job: { req: InferenceRequest; meta: RequestMeta; backend: Backend; clientSignal: AbortSignal },
  route: { enqueuedAt: number; tried: Set<string> },
): Lease {
  const { req, meta, backend } = job;
  const { scheduler, fleet, load, clock } = owner;
  const startedAt = clock.now();
  load.started(backend.name, req.model);
  return leaseOn(owner, job, route, startedAt, {
    // The fleet first: if this failure opens the circuit, the backend leaves the scheduler before
    // its freed slot could be handed to the next job, which would fail there too.
    giveBack(outcome, error, usage, timings) {
      if (outcome === 'done') {
        const loadMs = timings?.loadNs === undefined ? undefined : timings.loadNs / 1e6;
        const processingMs = clock.now() - startedAt;
        fleet.report(backend.name, {
          ok: true,
          model: req.model,
          processingMs,
          ...(loadMs ? { loadMs } : {}),
        });
      } else if (outcome === 'failed') fleet.report(backend.name, { ok: false, error });
      const dispatches =
        outcome === 'cancelled'
          ? scheduler.cancel(meta.id, 'cancelled')
          : scheduler.finish(meta.id, outcome === 'done' ? 'done' : 'failed', jobUsage(usage, timings));
      load.ended(backend.name, req.model);
      owner.apply(dispatches);
    },
  });
}

/**
 * Opens a lease on the cloud fallback: no slot, no fleet report; the usage row says which cloud
 * model served the request and what it cost.
 */
export function openCloudLease(
  owner: LeaseOwner,
  job: { req: InferenceRequest; meta: RequestMeta; backend: Backend; clientSignal: AbortSignal },
  route: { enqueuedAt: number; tried: Set<string> },
  cloud: { model: string; costUsd(usage: Usage | undefined): number },
): Lease {
  return leaseOn(owner, job, route, owner.clock.now(), {
    upstreamModel: cloud.model,
    cloud: (usage) => ({ model: cloud.model, costUsd: cloud.costUsd(usage) }),
    giveBack() {},
  });
}

interface LeaseKind {
  /** Gives back whatever the lease holds (slot, live load); called once. */
  giveBack(outcome: Outcome, error: unknown, usage?: Usage, timings?: Timings): void;
  upstreamModel?: string;
  cloud?: (usage: Usage | undefined) => NonNullable<FinishInfo['cloud']>;
}

function leaseOn(
  owner: LeaseOwner,
  job: { req: InferenceRequest; meta: RequestMeta; backend: Backend; clientSignal: AbortSignal },
  route: { enqueuedAt: number; tried: Set<string> },
  startedAt: number,
  kind: LeaseKind,
): Lease {
  const { req, meta, backend, clientSignal } = job;
  const { clock } = owner;
  // The upstream call takes the client's own signal: a client leaving aborts it directly, even
  // when the event iterator was never started (an un-started async generator's `finally` never
  // runs, but undici's signal listener closes the response body). Every other way a request ends
  // badly has already closed the upstream: a failed call opened nothing, and an upstream iterator
  // that threw or was stopped destroyed its body in its own `finally`. So one AbortController per
  // request, not two (each costs a few µs and an EventTarget for the GC on Node 20).
  const waitMs = startedAt - route.enqueuedAt;
  let released = false;
  /** Gives back what the lease holds; true the first time only. */
  const giveBack = (outcome: Outcome, error: unknown, usage?: Usage, timings?: Timings): boolean => {
    if (released) return false;
    released = true;
    clientSignal.removeEventListener('abort', onClientAbort);
    kind.giveBack(outcome, error, usage, timings);
    return true;
  };
  const release = (error: unknown, usage?: Usage, timings?: Timings): void | Promise<void> => {
    const outcome: Outcome = clientSignal.aborted ? 'cancelled' : error === undefined ? 'done' : 'failed';
    if (!giveBack(outcome, error, usage, timings)) return;
    return owner.finished(req, meta, {
      outcome,
      error,
      waitMs,
      processingMs: clock.now() - startedAt,
      backend: backend.name,
      ...(usage ? { usage } : {}),
      ...(kind.cloud ? { cloud: kind.cloud(usage) } : {}),
    });
  };
  const abandon = (error: unknown): void => {
    if (giveBack('failed', error)) owner.attemptFailed(backend.name, error);
  };
  const onClientAbort = () => void release(clientSignal.reason);
  clientSignal.addEventListener('abort', onClientAbort, { once: true });
  if (clientSignal.aborted) void release(clientSignal.reason);
  return {
    backend,
    signal: clientSignal,
    waitMs,
    release,
    abandon,
    cloud: kind.cloud !== undefined,
    ...(kind.upstreamModel === undefined ? {} : { upstreamModel: kind.upstreamModel }),
    ...route,
  };
}

/** Passes events through and releases the lease when the stream ends, however it ends. */
export async function* meter(upstream: AsyncIterable<ChatEvent>, lease: Lease): AsyncGenerator<ChatEvent> {
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
