import type { InferenceRequest } from '../core/chat.js';
import { conversationKey } from '../core/conversation.js';
import type { AffinityTable } from '../core/conversation.js';
import { CorralError } from '../core/errors.js';
import type { FleetView } from '../core/fleet.js';
import { estimatePromptTokens } from '../core/token-estimate.js';
import { route } from '../router/index.js';
import type { Candidate, LiveLoad, RouteDecision, RouteJob } from '../router/index.js';

/** What the gateway knows about a request beyond its model: its conversation's last host. */
export type RouteHints = Pick<RouteJob, 'affinity' | 'promptTokens' | 'numCtx'>;

/** A routing decision as `/api/status` shows it (the last few are kept). */
export interface RouteRecord {
  readonly id: string;
  readonly model: string;
  readonly atMs: number;
  readonly candidates: readonly Candidate[];
  /** Set when the request went to the cloud fallback instead (candidates then empty). */
  readonly fallback?: { readonly to: string; readonly model: string; readonly reason: string };
}

/**
 * The backends a request may use, best first, or the error that says why there are none. A model
 * nobody has is looked up once more before the refusal: it may have been pulled since the last
 * discovery, and a wrong 404 is worse than one round trip on a request that is failing anyway.
 */
export async function chooseBackends(
  fleet: FleetView,
  load: LiveLoad,
  req: InferenceRequest,
  exclude: ReadonlySet<string>,
  hints: RouteHints = {},
): Promise<readonly Candidate[]> {
  const job = { model: req.model, exclude, ...hints };
  let decision = route(job, fleet.snapshot(), load);
  if (decision.type === 'not_found') {
    await fleet.refresh();
    decision = route(job, fleet.snapshot(), load);
  }
  return backendsOrThrow(decision, req, fleet);
}

/** The synchronous variant, for re-routing a waiting request when its backend went down. */
export function rerouteBackends(
  fleet: FleetView,
  load: LiveLoad,
  req: InferenceRequest,
  exclude: ReadonlySet<string>,
  hints: RouteHints = {},
): readonly string[] {
  const decision = route({ model: req.model, exclude, ...hints }, fleet.snapshot(), load);
  return backendsOrThrow(decision, req, fleet).map((c) => c.backend);
}

function backendsOrThrow(
  decision: RouteDecision,
  req: InferenceRequest,
  fleet: FleetView,
): readonly Candidate[] {
  switch (decision.type) {
    case 'route':
      return decision.candidates;
    case 'not_found':
      // Ollama's own texts (reference/ollama-api.md §3.2), so a client reads what Ollama would say.
      return req.kind === 'embed'
        ? fail('not_found', `model "${req.model}" not found, try pulling it first`)
        : fail('not_found', `model '${req.model}' not found`);
    case 'unavailable': {
      const down = fleet
        .snapshot()
        .backends.filter((b) => b.circuit !== 'closed')
        .map((b) => `${b.name}: ${b.lastError ?? b.circuit}`);
      return fail(
        'unavailable',
        `no healthy backend can serve model '${req.model}' now${down.length ? ` (${down.join('; ')})` : ''}`,
        decision.retryAfterMs,
      );
    }
  }
}

function fail(kind: 'not_found' | 'unavailable', message: string, retryAfterMs?: number): never {
  throw new CorralError(kind, message, retryAfterMs === undefined ? {} : { retryAfterMs });
}

/**
 * The last few routing decisions, for `/api/status`: bounded, oldest first, and a later decision
 * for the same request (a failover, a move to the cloud) replaces its earlier one.
 */
export class RouteLog {
  readonly #records: RouteRecord[] = [];
  readonly #capacity: number;

  constructor(capacity = 20) {
    this.#capacity = capacity;
  }

  record(record: RouteRecord): void {
    const earlier = this.#records.findLastIndex((r) => r.id === record.id);
    if (earlier >= 0) this.#records.splice(earlier, 1);
    this.#records.push(record);
    if (this.#records.length > this.#capacity) this.#records.shift();
  }

  /** The decision kept for request `id`, if it is still among the last few. */
  find(id: string): RouteRecord | undefined {
    return this.#records.findLast((r) => r.id === id);
  }

  list(): readonly RouteRecord[] {
    return [...this.#records];
  }
}

/**
 * What routing should know about a request besides its model: its size (the prompt-cache saving),
 * the context size it asks for, and the host that served its conversation's previous turn.
 */
export function routeHintsFor(
  req: InferenceRequest,
  affinity: AffinityTable,
): { hints: RouteHints & { promptTokens: number }; conversation: string | undefined } {
  const conversation = conversationKey(req);
  const host = conversation === undefined ? undefined : affinity.get(conversation);
  const numCtx = req.kind === 'embed' ? undefined : req.sampling.numCtx;
  return {
    conversation,
    hints: {
      promptTokens: estimatePromptTokens(req),
      ...(host === undefined ? {} : { affinity: host }),
      ...(numCtx === undefined ? {} : { numCtx }),
    },
  };
}
