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
  const { req, meta, backend, clientSignal } = job;
  const { scheduler, fleet, load, clock } = owner;
  // The upstream call gets its own signal, aborted when the client leaves or when the request
  // ends without finishing cleanly: that closes whatever is still open upstream, even an iterator
  // nobody started (an un-started async generator's `finally` never runs). One controller fed by
  // our own listener, rather than AbortSignal.any, which is slow and leak-prone on Node 20.
  const upstream = new AbortController();
  const startedAt = clock.now();
  const waitMs = startedAt - route.enqueuedAt;
  load.started(backend.name, req.model);
  let released = false;
  /** Slot back to the scheduler, outcome to the fleet; true the first time only. */
  const giveBack = (outcome: Outcome, error: unknown, usage?: Usage, timings?: Timings): boolean => {
    if (released) return false;
    released = true;
    clientSignal.removeEventListener('abort', onClientAbort);
    if (outcome !== 'done') upstream.abort(clientSignal.aborted ? clientSignal.reason : error);
    // The fleet first: if this failure opens the circuit, the backend leaves the scheduler before
    // its freed slot could be handed to the next job, which would fail there too.
    if (outcome === 'done') {
      const loadMs = timings?.loadNs === undefined ? undefined : timings.loadNs / 1e6;
      const processingMs = clock.now() - startedAt;
      fleet.report(backend.name, { ok: true, model: req.model, processingMs, ...(loadMs ? { loadMs } : {}) });
    } else if (outcome === 'failed') fleet.report(backend.name, { ok: false, error });
    const dispatches =
      outcome === 'cancelled'
        ? scheduler.cancel(meta.id, 'cancelled')
        : scheduler.finish(meta.id, outcome === 'done' ? 'done' : 'failed', jobUsage(usage, timings));
    load.ended(backend.name, req.model);
    owner.apply(dispatches);
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
    });
  };
  const abandon = (error: unknown): void => {
    if (giveBack('failed', error)) owner.attemptFailed(backend.name, error);
  };
  const onClientAbort = () => void release(clientSignal.reason);
  clientSignal.addEventListener('abort', onClientAbort, { once: true });
  if (clientSignal.aborted) void release(clientSignal.reason);
  return { backend, signal: upstream.signal, waitMs, release, abandon, ...route };
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
