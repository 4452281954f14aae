import Anthropic from '@anthropic-ai/sdk';
import type { ChatEvent, ChatRequest, EmbedRequest, EmbedResult, GenerateRequest } from '../../core/chat.js';
import { CorralError } from '../../core/errors.js';
import type { Backend, CallContext, InstalledModel, LoadedModel } from '../../core/ports.js';
import { decodeAnthropicStream, encodeAnthropicRequest } from '../../protocols/anthropic/index.js';

export interface AnthropicBackendOptions {
  /** Name in routing, usage rows and `x-corral-served-by` (config `fallback.name`). */
  name: string;
  /** API root (host, no `/v1`); Anthropic's own when absent. */
  baseUrl?: string;
  apiKey: string;
  /** `max_tokens` for requests that set none (the API requires one). */
  defaultMaxTokens: number;
  /** SDK retries on connection errors, 429 and 5xx before the first byte. */
  maxRetries: number;
  /** Longest a cloud call may take in all. */
  timeoutMs: number;
}

/**
 * Anthropic's Messages API as an upstream (the cloud fallback), through the official SDK. The
 * cloud model is chosen per call (`ctx.model`): the gateway maps local names to cloud names.
 * It serves chat and generate requests only; it lists no models (it is not in the catalog).
 */
export class AnthropicBackend implements Backend {
  readonly name: string;
  readonly url: string;
  readonly #client: Anthropic;
  readonly #defaultMaxTokens: number;

  constructor(options: AnthropicBackendOptions) {
    this.name = options.name;
    this.#client = new Anthropic({
      apiKey: options.apiKey,
      maxRetries: options.maxRetries,
      timeout: options.timeoutMs,
      ...(options.baseUrl === undefined ? {} : { baseURL: options.baseUrl }),
    });
    this.url = this.#client.baseURL;
    this.#defaultMaxTokens = options.defaultMaxTokens;
  }

  async generate(req: ChatRequest | GenerateRequest, ctx: CallContext): Promise<AsyncIterable<ChatEvent>> {
    const body = encodeAnthropicRequest(req, {
      model: ctx.model ?? req.model,
      defaultMaxTokens: this.#defaultMaxTokens,
    });
    let stream: AsyncIterable<unknown>;
    try {
      // Resolves once the API answered with a status: failures before output reject here.
      stream = await this.#client.messages.create(body as Anthropic.MessageCreateParamsStreaming, {
        signal: ctx.signal,
      });
    } catch (err) {
      throw cloudError(err, ctx.signal);
    }
    return decodeAnthropicStream(mapErrors(stream, ctx.signal));
  }

  embed(_req: EmbedRequest): Promise<EmbedResult> {
    return Promise.reject(new CorralError('invalid_request', 'the cloud fallback does not serve embeddings'));
  }

  listModels(): Promise<InstalledModel[]> {
    return Promise.resolve([]);
  }

  listLoaded(): Promise<LoadedModel[]> {
    return Promise.resolve([]);
  }

  version(): Promise<string> {
    return Promise.resolve('anthropic');
  }

  showModel(model: string): Promise<Record<string, unknown>> {
    return Promise.reject(new CorralError('not_found', `model '${model}' not found`));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function* mapErrors(events: AsyncIterable<unknown>, signal: AbortSignal): AsyncGenerator<unknown> {
  try {
    yield* events;
  } catch (err) {
    throw cloudError(err, signal);
  }
}

/**
 * The SDK's errors in our catalogue. The cloud's refusals of the request itself reach the client
 * (`invalid_request`, with the cloud's words); the gateway's own key or model mapping being wrong
 * is the operator's problem, so it is an `upstream` error that says so.
 */
function cloudError(err: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  if (err instanceof CorralError) return err;
  if (err instanceof Anthropic.APIConnectionError)
    return new CorralError('unavailable', `cannot reach the cloud API: ${err.message}`, { cause: err });
  if (err instanceof Anthropic.APIError) {
    const detail = cloudMessage(err);
    const retryAfterMs = retryAfter(err.headers);
    const opts = { cause: err, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    switch (err.status) {
      case 400:
      case 413:
        return new CorralError(
          err.status === 413 ? 'too_large' : 'invalid_request',
          `cloud model refused the request: ${detail}`,
          opts,
        );
      case 401:
      case 403:
        return new CorralError('upstream', `the gateway's cloud API key was refused: ${detail}`, opts);
      case 404:
        return new CorralError(
          'upstream',
          `the cloud model is unknown (check fallback.models): ${detail}`,
          opts,
        );
      case 429:
        return new CorralError('rate_limited', `the cloud API is rate limiting: ${detail}`, opts);
      case 529:
      case 503:
        return new CorralError('overloaded', `the cloud API is overloaded: ${detail}`, opts);
      default:
        return new CorralError('upstream', `the cloud API failed: ${detail}`, opts);
    }
  }
  return new CorralError('upstream', 'the cloud API call failed', { cause: err });
}

function cloudMessage(err: InstanceType<typeof Anthropic.APIError>): string {
  const body: unknown = err.error;
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const inner = (body as { error: unknown }).error;
    if (typeof inner === 'object' && inner !== null && 'message' in inner)
      return String((inner as { message: unknown }).message);
  }
  return err.message;
}

function retryAfter(headers: Headers | undefined): number | undefined {
  const value = headers?.get('retry-after');
  const seconds = value === null || value === undefined ? NaN : Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}
