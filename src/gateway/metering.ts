import type { Logger } from 'pino';
import type { Admission, AdmissionTicket, FinishedRequest } from '../core/admission.js';
import type { ContentBlock, InferenceRequest, RequestMeta } from '../core/chat.js';
import { CorralError } from '../core/errors.js';
import { estimatePromptTokens } from '../core/token-estimate.js';
import type { Store, TokenCount, UsageInput } from '../core/store-port.js';

export interface MeteringOptions {
  store: Store;
  log: Logger;
  /** Output tokens assumed for a request that sets no `max_tokens`, when reserving quota. */
  defaultMaxOutputTokens?: number;
  /** Put the prompt text in usage rows (config `usage.audit`); off by default. */
  audit?: boolean;
  /** Wall clock, epoch ms (usage rows' `finishedAt`); default `Date.now`. */
  now?: () => number;
  /** Reservations older than this are released as left over by a crashed process. Default 6 h. */
  staleReservationMs?: number;
}

const DEFAULT_MAX_OUTPUT_TOKENS = 1024;
const SWEEP_EVERY_MS = 10 * 60_000;
/** Longer than any generation we expect; a live request's reservation must never be swept. */
const STALE_RESERVATION_MS = 6 * 3_600_000;

/**
 * The store-backed `Admission` (DESIGN.md §2, the gate): allowed models, quota reservation before a
 * request waits, and one usage row when it ends.
 *
 * - Quotas are reserved only for requests that came with a verified key (`meta.keyId`, keys mode):
 *   open-mode tenants are derived names with no row in the store and no limits, so open mode costs
 *   nothing before the request and one write after it.
 * - Rows are written for every request that was admitted, in open mode too, under whatever tenant
 *   the request carries; the usage table needs no tenant row.
 * - With a reservation, the row is written by `settle` in the same transaction that replaces the
 *   estimate with the actual tokens. A request that never reached a backend (rejected by the queue,
 *   cancelled or timed out while waiting) gives its reservation back and still gets a row.
 * - A failure to record is logged, never thrown into the gateway: the client already has its answer.
 */
export class Metering implements Admission {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #defaultMaxOutput: number;
  readonly #audit: boolean;
  readonly #now: () => number;
  readonly #pending = new Set<Promise<void>>();
  readonly #sweeper: NodeJS.Timeout;
  readonly #staleMs: number;

  constructor(options: MeteringOptions) {
    this.#store = options.store;
    this.#log = options.log;
    this.#defaultMaxOutput = options.defaultMaxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
    this.#audit = options.audit ?? false;
    this.#now = options.now ?? Date.now;
    this.#staleMs = options.staleReservationMs ?? STALE_RESERVATION_MS;
    // A crashed process never settles its reservations: their concurrency slots would leak.
    this.#sweeper = setInterval(() => void this.sweep(), SWEEP_EVERY_MS).unref();
  }

  async admit(req: InferenceRequest, meta: RequestMeta): Promise<AdmissionTicket> {
    checkModelAllowed(req.model, meta);
    const promptTokens = estimatePromptTokens(req);
    const estimate = promptTokens + this.#expectedOutput(req);
    const reservationId = meta.keyId === undefined ? undefined : await this.#reserve(meta.tenant, estimate);
    return {
      settle: (finished) => this.#track(this.#settle(req, meta, finished, promptTokens, reservationId)),
    };
  }

  /** Releases reservations left by crashed processes; logs instead of throwing. */
  async sweep(): Promise<void> {
    try {
      const released = await this.#store.sweepReservations({ olderThanMs: this.#staleMs });
      if (released > 0) this.#log.warn({ released }, 'released stale quota reservations');
    } catch (err) {
      this.#log.warn({ err }, 'quota reservation sweep failed');
    }
  }

  /** Resolves when every usage write started so far has finished (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    await this.drain();
  }

  #expectedOutput(req: InferenceRequest): number {
    if (req.kind === 'embed') return 0;
    return req.sampling.maxOutputTokens ?? this.#defaultMaxOutput;
  }

  async #reserve(tenant: string, estimatedTokens: number): Promise<string> {
    let result;
    try {
      result = await this.#store.reserve(tenant, { estimatedTokens });
    } catch (err) {
      if (err instanceof CorralError && err.kind !== 'internal') throw err;
      // Fail closed: a quota that cannot be checked is not granted.
      this.#log.error({ err, tenant }, 'quota reservation failed');
      throw new CorralError('unavailable', 'usage limits cannot be checked right now', {
        cause: err,
        retryAfterMs: 5_000,
      });
    }
    if (result.type === 'rejected') {
      throw new CorralError('rate_limited', result.message, { retryAfterMs: result.retryAfterMs });
    }
    return result.reservation.id;
  }

  async #settle(
    req: InferenceRequest,
    meta: RequestMeta,
    finished: FinishedRequest,
    promptTokens: number,
    reservationId: string | undefined,
  ): Promise<void> {
    const tokens = billedTokens(finished, promptTokens);
    const row = this.#row(req, meta, finished, tokens);
    try {
      if (reservationId === undefined) {
        await this.#store.recordUsage(row);
      } else if (finished.backend === undefined) {
        // Never reached a backend: nothing was generated, so the estimate goes back.
        await this.#store.release(reservationId);
        await this.#store.recordUsage(row);
      } else {
        await this.#store.settle(reservationId, tokens, row);
      }
    } catch (err) {
      this.#log.error({ err, reqId: meta.id, tenant: meta.tenant }, 'usage not recorded');
    }
  }

  #track(task: Promise<void>): Promise<void> {
    this.#pending.add(task);
    void task.finally(() => this.#pending.delete(task));
    return task;
  }

  #row(req: InferenceRequest, meta: RequestMeta, finished: FinishedRequest, tokens: TokenCount): UsageInput {
    const audit = this.#audit ? promptText(req) : undefined;
    return {
      requestId: meta.id,
      tenantId: meta.tenant,
      ...(meta.keyId === undefined ? {} : { keyId: meta.keyId }),
      model: req.model,
      backend: finished.backend ?? '',
      isCloud: finished.cloud !== undefined,
      ...(finished.cloud === undefined ? {} : { costUsd: finished.cloud.costUsd }),
      protocol: meta.protocol,
      ...tokens,
      queueWaitMs: Math.max(0, Math.round(finished.waitMs)),
      processingMs: Math.max(0, Math.round(finished.processingMs)),
      status: finished.outcome === 'done' ? 'ok' : (finished.errorKind ?? finished.outcome),
      cancelled: finished.outcome === 'cancelled',
      finishedAt: this.#now(),
      ...(audit === undefined ? {} : { auditText: audit }),
    };
  }
}

/**
 * What a request is billed. A request cancelled after it reached a backend, with no usage reported,
 * is billed its prompt estimate: the upstream had started reading the prompt.
 */
function billedTokens(finished: FinishedRequest, promptTokens: number): TokenCount {
  const inputTokens = Math.max(0, Math.round(finished.usage.inputTokens));
  const outputTokens = Math.max(0, Math.round(finished.usage.outputTokens));
  if (
    finished.backend !== undefined &&
    inputTokens === 0 &&
    outputTokens === 0 &&
    finished.outcome === 'cancelled'
  )
    return { inputTokens: promptTokens, outputTokens: 0 };
  return { inputTokens, outputTokens };
}

function checkModelAllowed(model: string, meta: RequestMeta): void {
  const allowed = meta.allowedModels;
  if (allowed === undefined || allowed.length === 0) return;
  // `llama3.2` and `llama3.2:latest` are one model to Ollama.
  const bare = model.endsWith(':latest') ? model.slice(0, -':latest'.length) : model;
  if (allowed.some((m) => m === model || m === bare || m === `${bare}:latest`)) return;
  throw new CorralError('permission', `model '${model}' is not allowed for tenant '${meta.tenant}'`);
}

/** The prompt as text, for the audit column only. */
function promptText(req: InferenceRequest): string {
  switch (req.kind) {
    case 'embed':
      return req.input.join('\n');
    case 'generate':
      return [req.system ?? '', req.prompt].join('\n');
    case 'chat':
      return [
        ...req.system.map((b) => b.text),
        ...req.messages.flatMap((m) => m.content.map(blockText)),
      ].join('\n');
  }
}

function blockText(block: ContentBlock): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'thinking':
      return block.thinking;
    case 'tool_use':
      return JSON.stringify(block.input);
    case 'tool_result':
      return block.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
    case 'image':
      return '[image]';
  }
}
