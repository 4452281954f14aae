import type { FastifyInstance } from 'fastify';
import type { Gateway } from '../gateway/gateway.js';
import type { Authenticate } from './auth.js';
import {
  aggregateMessage,
  anthropicErrorFor,
  anthropicStreamErrorFrame,
  decodeCountTokensRequest,
  decodeMessagesRequest,
  encodeMessagesStream,
  estimateInputTokens,
  newMessageId,
  pingFrame,
  queueFrame,
} from '../protocols/anthropic/index.js';
import { clientSignal } from './client-signal.js';
import { toCorralErrorFromHttp } from './http-errors.js';
import { parseJsonBody } from './json-body.js';
import { generateFor } from './reply-headers.js';
import { requestMeta } from './request-meta.js';
import { serveSseGeneration } from './sse-generation.js';
import { renderErrorsWith } from './protocol-errors.js';

/**
 * Anthropic Messages (reference/client-apis.md §A), so Anthropic-SDK apps and Claude Code switch
 * by base URL. Query strings such as `?beta=true` are ignored by routing; the key may come as
 * `x-api-key` or `Authorization: Bearer` (auth lands with the key store). Errors are rendered in
 * Anthropic's shape by this plugin's handler.
 */
export async function anthropicRoutes(
  app: FastifyInstance,
  opts: { gateway: Gateway; authenticate?: Authenticate; keepAliveMs: number },
): Promise<void> {
  const { gateway } = opts;
  // Keys mode: refused callers get this plugin's own 401 shape from the error handler below.
  if (opts.authenticate) app.addHook('onRequest', opts.authenticate);

  // The SDK exposes `request-id` as `message._request_id` and `error.requestID` (§A.1).
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('request-id', request.id);
    done();
  });
  renderErrorsWith(app, (error, request) => anthropicErrorFor(error, request.id));

  app.post('/v1/messages', async (request, reply) => {
    const req = decodeMessagesRequest(parseJsonBody(request.body));
    const signal = clientSignal(reply.raw);
    const meta = requestMeta(request, 'anthropic');
    const ctx = { id: newMessageId(), model: req.model, inputTokens: estimateInputTokens(req) };
    if (!req.stream) {
      const generation = await generateFor(gateway, reply, req, meta, { signal });
      return aggregateMessage(generation.events, ctx);
    }
    return serveSseGeneration(
      gateway,
      reply,
      req,
      meta,
      signal,
      {
        frames: (events) => encodeMessagesStream(events, ctx),
        queueFrame,
        keepAliveFrame: pingFrame,
        errorFrame: (err) => anthropicStreamErrorFrame(toCorralErrorFromHttp(err)),
      },
      opts.keepAliveMs,
    );
  });

  app.post('/v1/messages/count_tokens', async (request) => {
    const req = decodeCountTokensRequest(parseJsonBody(request.body));
    return { input_tokens: estimateInputTokens(req) };
  });
}
