import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { ChatEvent, ChatRequest, EmbedRequest, EmbedResult, GenerateRequest } from '../../core/chat.js';
import { CorralError } from '../../core/errors.js';
import type { Backend, CallContext, InstalledModel, LoadedModel } from '../../core/ports.js';
import {
  decodeEmbedResponse,
  encodeChatRequest,
  encodeEmbedRequest,
  encodeGenerateRequest,
  NdjsonSplitter,
  StreamDecoder,
} from '../../protocols/ollama/index.js';
import {
  decodeInstalledModels,
  decodeLegacyEmbeddingsResponse,
  decodeLoadedModels,
  encodeLegacyEmbeddingsRequest,
  readErrorText,
} from './wire.js';
import { errorFromTransport, errorFromUpstreamStatus } from './upstream-errors.js';

export interface OllamaBackendOptions {
  name: string;
  url: string;
  timeouts: { connectMs: number; firstByteMs: number; idleMs: number };
  /** Upper bound of open connections to this host. */
  connections?: number;
}

type ResponseData = Dispatcher.ResponseData;

/**
 * One Ollama host, spoken to over its native API with an undici Pool. Generations always stream
 * from upstream (even for `stream:false` clients) so that a client leaving, or a silent upstream,
 * is noticed between chunks; encoders aggregate when the client asked for one object.
 */
export class OllamaBackend implements Backend {
  readonly name: string;
  readonly url: string;
  readonly #pool: Pool;

  constructor(options: OllamaBackendOptions) {
    this.name = options.name;
    this.url = options.url.replace(/\/+$/, '');
    this.#pool = new Pool(this.url, {
      connections: options.connections ?? 256,
      connect: { timeout: options.timeouts.connectMs },
      // Timeouts measure silence, not total length (STYLE.md §3): a cold load may take minutes
      // before the first byte, a long generation may run for an hour.
      headersTimeout: options.timeouts.firstByteMs,
      bodyTimeout: options.timeouts.idleMs,
    });
  }

  async generate(req: ChatRequest | GenerateRequest, ctx: CallContext): Promise<AsyncIterable<ChatEvent>> {
    const isChat = req.kind === 'chat';
    const body = isChat
      ? encodeChatRequest(req, { stream: true })
      : encodeGenerateRequest(req, { stream: true });
    const res = await this.#request(isChat ? '/api/chat' : '/api/generate', 'POST', body, ctx);
    return this.#events(res, ctx);
  }

  async embed(req: EmbedRequest, ctx: CallContext): Promise<EmbedResult> {
    if (req.normalized === false) return this.#legacyEmbed(req, ctx);
    const res = await this.#request('/api/embed', 'POST', encodeEmbedRequest(req), ctx);
    return decodeEmbedResponse(await this.#json(res, ctx));
  }

  /** Raw (un-normalised) vectors exist only on the legacy route, one prompt per call (§2.4). */
  async #legacyEmbed(req: EmbedRequest, ctx: CallContext): Promise<EmbedResult> {
    const embeddings: number[][] = [];
    for (const prompt of req.input.length > 0 ? req.input : ['']) {
      const body = encodeLegacyEmbeddingsRequest(req, prompt);
      const answer = await this.#json(await this.#request('/api/embeddings', 'POST', body, ctx), ctx);
      const vector = decodeLegacyEmbeddingsResponse(answer);
      if (vector.length > 0) embeddings.push(vector);
    }
    return { embeddings, usage: { inputTokens: 0, outputTokens: 0 } };
  }

  async listModels(ctx: CallContext): Promise<InstalledModel[]> {
    return decodeInstalledModels(
      await this.#json(await this.#request('/api/tags', 'GET', undefined, ctx), ctx),
    );
  }

  async listLoaded(ctx: CallContext): Promise<LoadedModel[]> {
    return decodeLoadedModels(await this.#json(await this.#request('/api/ps', 'GET', undefined, ctx), ctx));
  }

  async version(ctx: CallContext): Promise<string> {
    const body = await this.#json(await this.#request('/api/version', 'GET', undefined, ctx), ctx);
    const version = typeof body === 'object' && body !== null && 'version' in body ? body.version : undefined;
    return typeof version === 'string' ? version : 'unknown';
  }

  async showModel(model: string, verbose: boolean, ctx: CallContext): Promise<Record<string, unknown>> {
    const res = await this.#request('/api/show', 'POST', { model, verbose }, ctx);
    const body = await this.#json(res, ctx);
    if (typeof body !== 'object' || body === null)
      throw new CorralError('upstream', `backend ${this.name} sent a bad /api/show answer`);
    return body as Record<string, unknown>;
  }

  async close(): Promise<void> {
    await this.#pool.destroy();
  }

  /** Sends one request; resolves on 200, rejects with a catalogue error otherwise. */
  async #request(
    path: string,
    method: 'GET' | 'POST',
    body: unknown,
    ctx: CallContext,
  ): Promise<ResponseData> {
    let res: ResponseData;
    try {
      res = await this.#pool.request({
        path,
        method,
        signal: ctx.signal,
        headers: body === undefined ? undefined : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw this.#failure(err, ctx);
    }
    if (res.statusCode === 200) return res;
    const text = await readErrorText(res.body).catch(() => '');
    throw errorFromUpstreamStatus(res.statusCode, text, this.name);
  }

  async #json(res: ResponseData, ctx: CallContext): Promise<unknown> {
    try {
      return await res.body.json();
    } catch (err) {
      throw this.#failure(err, ctx);
    }
  }

  async *#events(res: ResponseData, ctx: CallContext): AsyncGenerator<ChatEvent> {
    const lines = new NdjsonSplitter();
    const decoder = new StreamDecoder();
    // The final event is held back until the body has ended: encoders stop reading at `done`, and
    // an upstream body left unread is destroyed, which closes a connection the pool could reuse.
    // Ollama ends the body right after its final line, so holding it costs nothing.
    let final: ChatEvent | undefined;
    let finished = false;
    try {
      for await (const chunk of res.body) {
        for (const line of lines.push(chunk as Buffer)) {
          for (const event of decoder.push(parseLine(line, this.name))) {
            if (event.type === 'done') final = event;
            else yield event;
          }
        }
      }
      for (const line of lines.end()) {
        for (const event of decoder.push(parseLine(line, this.name))) {
          if (event.type === 'done') final = event;
          else yield event;
        }
      }
      finished = true;
      // §3.3: the runner can end a stream silently (no done line, no error line).
      if (!final)
        throw new CorralError('upstream', `backend ${this.name} ended the stream without a final chunk`);
      yield final;
    } catch (err) {
      throw this.#failure(err, ctx);
    } finally {
      // Leaving early (client gone, consumer stopped) closes the upstream connection, which is
      // Ollama's only cancel API (§3.4).
      if (!finished) res.body.destroy();
    }
  }

  #failure(err: unknown, ctx: CallContext): unknown {
    if (ctx.signal.aborted) return ctx.signal.reason;
    if (err instanceof CorralError) return err;
    return errorFromTransport(err, this.name, this.url);
  }
}

function parseLine(line: string, backend: string): unknown {
  try {
    return JSON.parse(line);
  } catch (err) {
    throw new CorralError('upstream', `backend ${backend} sent a line that is not JSON`, { cause: err });
  }
}
