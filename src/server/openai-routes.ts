import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Gateway } from '../gateway/gateway.js';
import type { Authenticate } from './auth.js';
import {
  aggregateChatCompletion,
  decodeChatCompletionsRequest,
  decodeEmbeddingsRequest,
  encodeChatCompletionsStream,
  encodeEmbeddingsResponse,
  keepAliveComment,
  openaiErrorFor,
  openaiStreamErrorFrame,
  queueComment,
} from '../protocols/openai/index.js';
import { clientSignal } from './client-signal.js';
import { toCorralErrorFromHttp } from './http-errors.js';
import { parseJsonBody } from './json-body.js';
import { generateFor } from './reply-headers.js';
import { requestMeta } from './request-meta.js';
import { serveSseGeneration } from './sse-generation.js';
import { renderErrorsWith } from './protocol-errors.js';

/** OpenAI Chat Completions and Embeddings (reference/client-apis.md §B), base URL `…/v1`. */
export async function openaiRoutes(
  app: FastifyInstance,
  opts: { gateway: Gateway; authenticate?: Authenticate; keepAliveMs: number },
): Promise<void> {
  const { gateway } = opts;
  // Keys mode: refused callers get this plugin's own 401 shape from the error handler below.
  if (opts.authenticate) app.addHook('onRequest', opts.authenticate);

  renderErrorsWith(app, (error) => openaiErrorFor(error));

  app.post('/v1/chat/completions', async (request, reply) => {
    const { request: req, includeUsage } = decodeChatCompletionsRequest(parseJsonBody(request.body));
    const signal = clientSignal(reply.raw);
    const meta = requestMeta(request, 'openai');
    // Unique per response (§C.3); Ollama's own `chatcmpl-<0..998>` repeats.
    const ctx = {
      id: `chatcmpl-${randomBytes(12).toString('hex')}`,
      model: req.model,
      created: Math.floor(Date.now() / 1000),
      includeUsage,
    };
    if (!req.stream) {
      const generation = await generateFor(gateway, reply, req, meta, { signal });
      return aggregateChatCompletion(generation.events, ctx);
    }
    return serveSseGeneration(
      gateway,
      reply,
      req,
      meta,
      signal,
      {
        frames: (events) => encodeChatCompletionsStream(events, ctx),
        queueFrame: queueComment,
        keepAliveFrame: keepAliveComment,
        errorFrame: (err) => openaiStreamErrorFrame(toCorralErrorFromHttp(err)),
      },
      opts.keepAliveMs,
    );
  });

  app.post('/v1/embeddings', async (request, reply) => {
    const { request: req, encodingFormat } = decodeEmbeddingsRequest(parseJsonBody(request.body));
    const result = await gateway.embed(req, requestMeta(request, 'openai'), {
      signal: clientSignal(reply.raw),
    });
    return encodeEmbeddingsResponse(req.model, result, encodingFormat);
  });
}
