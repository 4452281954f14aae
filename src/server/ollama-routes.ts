import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ChatRequest, GenerateRequest } from '../core/chat.js';
import { CorralError } from '../core/errors.js';
import type { Gateway } from '../gateway/gateway.js';
import type { Authenticate } from './auth.js';
import {
  aggregateChat,
  aggregateGenerate,
  decodeChatRequest,
  decodeEmbedRequest,
  decodeGenerateRequest,
  decodeLegacyEmbeddingsRequest,
  encodeChatStream,
  encodeEmbedResponse,
  encodeGenerateStream,
  encodeInstalledModels,
  encodeLegacyEmbeddingsResponse,
  encodeLoadedModels,
  keepAliveChunk,
  ollamaErrorFor,
  ollamaStreamErrorLine,
} from '../protocols/ollama/index.js';
import { clientSignal } from './client-signal.js';
import { toCorralErrorFromHttp } from './http-errors.js';
import { parseJsonBody } from './json-body.js';
import { generateFor, replyHeaders } from './reply-headers.js';
import { requestMeta } from './request-meta.js';
import { pipeFrames, startStream } from './stream-writer.js';
import { renderErrorsWith } from './protocol-errors.js';

const NDJSON_HEADERS = { 'content-type': 'application/x-ndjson' };

/**
 * Ollama's native API (DESIGN.md §4), served through the gateway: decode → queue → backend →
 * encode. Errors are rendered in Ollama's `{"error": "…"}` shape by this plugin's error handler.
 */
export async function ollamaRoutes(
  app: FastifyInstance,
  opts: { gateway: Gateway; authenticate?: Authenticate; keepAliveMs: number },
): Promise<void> {
  const { gateway, keepAliveMs } = opts;
  // Keys mode: refused callers get this plugin's own 401 shape from the error handler below.
  if (opts.authenticate) app.addHook('onRequest', opts.authenticate);

  renderErrorsWith(app, (error) => ollamaErrorFor(error));

  app.get('/', async (_req, reply) => reply.type('text/plain; charset=utf-8').send('Ollama is running'));

  app.get('/api/version', async (_req, reply) => ({
    version: await gateway.catalog.version({ signal: clientSignal(reply.raw) }),
  }));
  app.get('/api/tags', async (_req, reply) =>
    encodeInstalledModels(await gateway.catalog.listModels({ signal: clientSignal(reply.raw) })),
  );
  app.get('/api/ps', async (_req, reply) =>
    encodeLoadedModels(await gateway.catalog.listLoaded({ signal: clientSignal(reply.raw) })),
  );
  app.post('/api/show', async (request, reply) => {
    const body = parseJsonBody(request.body);
    const { model, verbose } = readShowRequest(body);
    return gateway.catalog.showModel(model, verbose, { signal: clientSignal(reply.raw) });
  });

  app.post('/api/chat', async (request, reply) => {
    const req = decodeChatRequest(parseJsonBody(request.body));
    return serveGeneration(gateway, request, reply, req, keepAliveMs);
  });
  app.post('/api/generate', async (request, reply) => {
    const req = decodeGenerateRequest(parseJsonBody(request.body));
    return serveGeneration(gateway, request, reply, req, keepAliveMs);
  });

  app.post('/api/embed', async (request, reply) => {
    const req = decodeEmbedRequest(parseJsonBody(request.body));
    const signal = clientSignal(reply.raw);
    const result = await gateway.embed(req, requestMeta(request, 'ollama'), { signal });
    return encodeEmbedResponse(req.model, result);
  });
  app.post('/api/embeddings', async (request, reply) => {
    const req = decodeLegacyEmbeddingsRequest(parseJsonBody(request.body));
    const signal = clientSignal(reply.raw);
    const result = await gateway.embed(req, requestMeta(request, 'ollama'), { signal });
    return encodeLegacyEmbeddingsResponse(result);
  });
}

/**
 * Streams or aggregates one generation. A streamed request that has to wait gets its headers (and
 * so its `x-request-id`) as soon as it is queued; one that starts at once keeps Ollama's habit of
 * answering a failure before the first token with a real status code (reference §3.3).
 *
 * Until the first real chunk, silence is filled with empty `done:false` chunks (`keepAliveChunk`)
 * every `keepAliveMs`, as the SSE protocols fill it with pings (sse-generation.ts): a client that
 * waits in the queue, or behind a cold model load, would otherwise hear nothing for minutes and
 * give up (Node fetch: 300 s). An upstream that stays silent for a third of the interval before
 * answering starts the response the same way, trading the real status code for the client's
 * patience. Once tokens flow the stream is as lively as Ollama's own, and stopping there means no
 * keep-alive can ever follow the `done:true` line.
 */
async function serveGeneration(
  gateway: Gateway,
  request: FastifyRequest,
  reply: FastifyReply,
  req: ChatRequest | GenerateRequest,
  keepAliveMs: number,
): Promise<unknown> {
  const signal = clientSignal(reply.raw);
  const meta = requestMeta(request, 'ollama');
  if (!req.stream) {
    const generation = await generateFor(gateway, reply, req, meta, { signal });
    const aggregate = req.kind === 'chat' ? aggregateChat : aggregateGenerate;
    return aggregate(generation.events, { model: req.model, extraTotalNs: msToNs(generation.waitMs) });
  }
  const res = reply.raw;
  // Read when the response starts: the gateway may add headers until then (x-corral-served-by).
  const headers = () => ({ ...NDJSON_HEADERS, ...replyHeaders(reply) });
  let lastWriteMs = performance.now();
  /** The first real chunk went out: from here on the upstream's tokens keep the line alive. */
  let flowing = false;
  const keepAlive = setInterval(() => {
    if (flowing || res.destroyed) return;
    const silenceMs = res.headersSent ? keepAliveMs : keepAliveMs / 3;
    if (performance.now() - lastWriteMs < silenceMs - 50) return;
    startStream(res, 200, headers());
    res.write(JSON.stringify(keepAliveChunk(req.kind, req.model)) + '\n');
    lastWriteMs = performance.now();
  }, keepAliveMs / 3);
  try {
    let generation;
    try {
      generation = await generateFor(gateway, reply, req, meta, {
        signal,
        onQueue: (event) => {
          if (event.type !== 'queued') return;
          startStream(res, 200, headers(), true);
          lastWriteMs = performance.now();
        },
      });
    } catch (err) {
      if (!res.headersSent) throw err;
      // Headers already went out while queued: the failure becomes the in-stream error line.
      reply.hijack();
      await pipeFrames(res, failing(err), signal, lineForError);
      return reply;
    }
    reply.hijack();
    startStream(res, 200, headers());
    const encode = req.kind === 'chat' ? encodeChatStream : encodeGenerateStream;
    const chunks = encode(generation.events, { model: req.model, extraTotalNs: msToNs(generation.waitMs) });
    await pipeFrames(
      res,
      toLines(chunks, () => (flowing = true)),
      signal,
      lineForError,
    );
    return reply;
  } finally {
    clearInterval(keepAlive);
  }
}

function lineForError(err: unknown): string {
  return JSON.stringify(ollamaStreamErrorLine(toCorralErrorFromHttp(err))) + '\n';
}

/** `onFirst` runs before the first line is handed to the writer (keep-alives stop there). */
async function* toLines(chunks: AsyncIterable<object>, onFirst: () => void): AsyncGenerator<string> {
  for await (const chunk of chunks) {
    onFirst();
    yield JSON.stringify(chunk) + '\n';
  }
}

// eslint-disable-next-line require-yield
async function* failing(err: unknown): AsyncGenerator<string> {
  throw err;
}

function msToNs(ms: number): number {
  return Math.round(ms * 1e6);
}

function readShowRequest(body: unknown): { model: string; verbose: boolean } {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  // `name` is the deprecated spelling Ollama still accepts (reference §2.5).
  const model = typeof record.model === 'string' && record.model ? record.model : record.name;
  if (typeof model !== 'string' || model.trim() === '') {
    throw new CorralError('invalid_request', 'model is required');
  }
  return { model, verbose: record.verbose === true };
}
