import type { ChatEvent, ChatRequest, EmbedRequest, EmbedResult, GenerateRequest } from './chat.js';

/** What every backend call gets: cancellation (client gone, deadline) and the id for logs. */
export interface CallContext {
  signal: AbortSignal;
  requestId?: string;
  /** The upstream's name for the model, when it differs from `req.model` (a cloud fallback's mapping). */
  model?: string;
}

/** An installed model as a backend reports it (Ollama `/api/tags`). */
export interface InstalledModel {
  name: string;
  model: string;
  modifiedAt: string;
  sizeBytes: number;
  digest: string;
  /** Format, family, parameter size, quantisation … as the backend describes them. */
  details: Record<string, unknown>;
  capabilities?: string[];
}

/** A model resident in a backend's memory (Ollama `/api/ps`). */
export interface LoadedModel {
  name: string;
  model: string;
  sizeBytes: number;
  sizeVramBytes: number;
  digest: string;
  details: Record<string, unknown>;
  /** RFC 3339; far in the future for "keep forever". */
  expiresAt: string;
  contextLength?: number;
}

/**
 * An upstream that runs models. `generate` resolves once the upstream has accepted the request
 * (status received), so failures before any output reject with a `CorralError` and never become
 * a half-written stream; the returned iterable then yields the generation. Ending iteration early
 * (`return()`) or aborting the signal closes the upstream request, which stops the generation.
 */
export interface Backend {
  readonly name: string;
  readonly url: string;
  generate(req: ChatRequest | GenerateRequest, ctx: CallContext): Promise<AsyncIterable<ChatEvent>>;
  embed(req: EmbedRequest, ctx: CallContext): Promise<EmbedResult>;
  listModels(ctx: CallContext): Promise<InstalledModel[]>;
  listLoaded(ctx: CallContext): Promise<LoadedModel[]>;
  version(ctx: CallContext): Promise<string>;
  /** Model details (Ollama `/api/show`), passed through as the backend returns them. */
  showModel(model: string, verbose: boolean, ctx: CallContext): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}
