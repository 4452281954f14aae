import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CorralError } from '../core/errors.js';
import type { Gateway } from '../gateway/gateway.js';
import type { Authenticate } from './auth.js';
import { anthropicErrorFor } from '../protocols/anthropic/index.js';
import { encodeModel, encodeModelList } from '../protocols/models-list.js';
import { openaiErrorFor } from '../protocols/openai/index.js';
import { clientSignal } from './client-signal.js';
import { renderErrorsWith } from './protocol-errors.js';

/**
 * `GET /v1/models[/{id}]` is one path for both SDKs: the body is the union both parse
 * (client-apis.md §C.10). Errors follow the caller: every Anthropic SDK sends `anthropic-version`.
 */
export async function modelsRoutes(
  app: FastifyInstance,
  opts: { gateway: Gateway; authenticate?: Authenticate },
): Promise<void> {
  const { gateway } = opts;
  // Keys mode: refused callers get this plugin's own 401 shape from the error handler below.
  if (opts.authenticate) app.addHook('onRequest', opts.authenticate);

  renderErrorsWith(app, (error, request) =>
    isAnthropicCaller(request) ? anthropicErrorFor(error, request.id) : openaiErrorFor(error),
  );

  app.get('/v1/models', async (_request, reply) =>
    encodeModelList(await gateway.catalog.listModels({ signal: clientSignal(reply.raw) })),
  );

  app.get<{ Params: { id: string } }>('/v1/models/:id', async (request, reply) => {
    const models = await gateway.catalog.listModels({ signal: clientSignal(reply.raw) });
    const wanted = request.params.id;
    const found = models.find((m) => m.name === wanted || m.name === `${wanted}:latest`);
    if (!found) throw new CorralError('not_found', `model '${wanted}' not found`);
    return encodeModel(found);
  });
}

export function isAnthropicCaller(request: FastifyRequest): boolean {
  return request.headers['anthropic-version'] !== undefined;
}
