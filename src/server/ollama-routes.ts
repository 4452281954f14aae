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
  ollamaErrorFor,
  ollamaStreamErrorLine,
} from '../protocols/ollama/index.js';
import { clientSignal } from './client-signal.js';
import { toCorralErrorFromHttp } from './http-errors.js';
import { parseJsonBody } from './json-body.js';
import { replyHeaders } from './reply-headers.js';
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
  opts: { gateway: Gateway; authenticate?: Authenticate },
): Promise<void> {
  const { gateway } = opts;
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
    return serveGeneration(gateway, request, reply, req);
  });
  app.post('/api/generate', async (request, reply) => {
    const req = decodeGenerateRequest(parseJsonBody(request.body));
    return serveGeneration(gateway, request, reply, req);
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
 */
async function serveGeneration(
  gateway: Gateway,
  request: FastifyRequest,
  reply: FastifyReply,
  req: ChatRequest | GenerateRequest,
): Promise<unknown> {
  const signal = clientSignal(reply.raw);
  const meta = requestMeta(request, 'ollama');
  if (!req.stream) {
    const generation = await gateway.generate(req, meta, { signal });
    const aggregate = req.kind === 'chat' ? aggregateChat : aggregateGenerate;
    return aggregate(generation.events, { model: req.model, extraTotalNs: msToNs(generation.waitMs) });
  }
  const headers = { ...NDJSON_HEADERS, ...replyHeaders(reply) };
  let generation;
  try {
    generation = await gateway.generate(req, meta, {
      signal,
      onQueue: (event) => {
        if (event.type === 'queued') startStream(reply.raw, 200, headers, true);
      },
    });
  } catch (err) {
    if (!reply.raw.headersSent) throw err;
    // Headers already went out while queued: the failure becomes the in-stream error line.
    reply.hijack();
    await pipeFrames(reply.raw, failing(err), signal, lineForError);
    return reply;
  }
  reply.hijack();
  startStream(reply.raw, 200, headers);
  const encode = req.kind === 'chat' ? encodeChatStream : encodeGenerateStream;
  const chunks = encode(generation.events, { model: req.model, extraTotalNs: msToNs(generation.waitMs) });
  await pipeFrames(reply.raw, toLines(chunks), signal, lineForError);
  return reply;
}

function lineForError(err: unknown): string {
  return JSON.stringify(ollamaStreamErrorLine(toCorralErrorFromHttp(err))) + '\n';
}

async function* toLines(chunks: AsyncIterable<object>): AsyncGenerator<string> {
  for await (const chunk of chunks) yield JSON.stringify(chunk) + '\n';
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
