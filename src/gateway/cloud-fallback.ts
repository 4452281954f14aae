import type { InferenceRequest, RequestMeta, Usage } from '../core/chat.js';
import { normalizeModelName } from '../core/fleet.js';
import type { Backend } from '../core/ports.js';

/** Why a request went to the cloud (status page, metrics, queue frame). */
export type FallbackReason =
  /** Its predicted wait for a local slot was longer than the bound. */
  | 'predicted_wait'
  /** It waited for a local slot as long as the bound allows. */
  | 'wait_exceeded'
  /** No local host can serve the model (none has it, all are down, or the queue is full). */
  | 'no_local_host';

export interface CloudFallbackOptions {
  /** The cloud upstream (an `AnthropicBackend`). */
  backend: Backend;
  /** Longest wait for a local slot (predicted or actual) before the cloud takes the request. */
  maxWaitMs: number;
  /** Local model name -> cloud model; `*` maps every other model. */
  models: Readonly<Record<string, string>>;
  /** Open mode: tenant ids that may fall back (`*` = all). Keys mode uses the key's tenant record. */
  tenants: readonly string[];
  /** Cloud model -> US dollars per million input and output tokens. */
  prices: Readonly<Record<string, { inputPerMTok: number; outputPerMTok: number }>>;
}

/**
 * Who may go to the cloud, as which model, and at what cost: the policy half of the fallback
 * (the gateway decides when). Privacy first: nothing falls back unless the model is mapped and the
 * tenant allowed, and embeddings never do (the cloud API has none, and vectors from another model
 * would not match the local index they are compared against).
 */
export class CloudFallback {
  readonly backend: Backend;
  readonly maxWaitMs: number;
  readonly #models: Map<string, string>;
  readonly #anyModel: string | undefined;
  readonly #tenants: ReadonlySet<string>;
  readonly #prices: CloudFallbackOptions['prices'];

  constructor(options: CloudFallbackOptions) {
    this.backend = options.backend;
    this.maxWaitMs = options.maxWaitMs;
    this.#anyModel = options.models['*'];
    this.#models = new Map(
      Object.entries(options.models)
        .filter(([local]) => local !== '*')
        .map(([local, cloud]) => [normalizeModelName(local), cloud]),
    );
    this.#tenants = new Set(options.tenants);
    this.#prices = options.prices;
  }

  /** The cloud model this request may fall back to, or undefined when it may not. */
  targetFor(req: InferenceRequest, meta: RequestMeta): string | undefined {
    if (req.kind === 'embed' || !this.#allowed(meta)) return undefined;
    return this.#models.get(normalizeModelName(req.model)) ?? this.#anyModel;
  }

  /** What a cloud call cost in US dollars (0 for a model with no configured price). */
  costUsd(cloudModel: string, usage: Usage | undefined): number {
    const price = this.#prices[cloudModel];
    if (!price || !usage) return 0;
    return (usage.inputTokens * price.inputPerMTok + usage.outputTokens * price.outputPerMTok) / 1e6;
  }

  /** Keys mode: the key's tenant record. Open mode: the configured list. */
  #allowed(meta: RequestMeta): boolean {
    if (meta.cloudFallback !== undefined) return meta.cloudFallback;
    return this.#tenants.has('*') || this.#tenants.has(meta.tenant);
  }
}
