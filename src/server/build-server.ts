import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { Gateway } from '../gateway/gateway.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Scheduler } from '../scheduler/index.js';
import { anthropicRoutes } from './anthropic-routes.js';
import { isAnthropicCaller, modelsRoutes } from './models-routes.js';
import { CorralError } from '../core/errors.js';
import { anthropicErrorFor } from '../protocols/anthropic/index.js';
import { openaiErrorFor } from '../protocols/openai/index.js';
import { ollamaRoutes } from './ollama-routes.js';
import { openaiRoutes } from './openai-routes.js';
import { createRequestIdGenerator } from './request-id.js';
import { statusRoutes } from './status-routes.js';
import type { Store } from '../core/store-port.js';
import { adminRoutes, usageRoutes } from './admin-routes.js';
import { keysAuthenticator } from './auth.js';

export interface ServerDeps {
  gateway: Gateway;
  scheduler: Scheduler;
  metrics: Metrics;
  clock: Clock;
  log: Logger;
  bodyLimitBytes: number;
  /** Silence after which a waiting or slow SSE stream gets a keep-alive frame. */
  keepAliveMs: number;
  version: string;
  store: Store;
  auth: { mode: 'open' | 'keys'; adminKey?: string | undefined };
  /** The configured priority classes (`scheduler.priorities`): the admin API accepts no other. */
  priorityClasses: readonly string[];
  /** Wall clock, epoch ms (usage time ranges). */
  now: () => number;
}

/**
 * The Fastify app: one plugin per protocol (each renders errors in its own shape), Corral's own
 * status routes, and the hooks every response shares (`x-request-id`, one log line, metrics).
 */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    // One line per request comes from our onResponse hook instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    bodyLimit: deps.bodyLimitBytes,
    genReqId: createRequestIdGenerator(),
    // Streams can be long (a generation may run for many minutes): no server-side request timeout.
    requestTimeout: 0,
    return503OnClosing: true,
    forceCloseConnections: true,
  });

  // Every body is read as bytes and parsed by the route, whatever the Content-Type (Ollama ignores
  // it too, reference/ollama-api.md §1), so parse errors come out in the caller's protocol shape.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.observeHttp(route, request.method, reply.statusCode);
    request.log.info(
      {
        method: request.method,
        url: route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
    done();
  });

  // Unknown paths: JSON in the caller's shape under /v1 (both SDKs parse it), gin's plain text
  // elsewhere, as Ollama answers.
  app.setNotFoundHandler((request, reply) => {
    if (!request.url.startsWith('/v1/')) {
      return reply.status(404).type('text/plain; charset=utf-8').send('404 page not found');
    }
    const path = request.url.split('?')[0] ?? '';
    const error = new CorralError('not_found', `no route for ${request.method} ${path}`);
    const { status, body, headers } = isAnthropicCaller(request)
      ? anthropicErrorFor(error, request.id)
      : openaiErrorFor(error);
    return reply.status(status).headers(headers).send(body);
  });

  // Keys mode guards the protocol plugins only: status, queue and metrics stay open (no prompts,
  // no keys in them), and admin/usage routes check credentials themselves.
  const protocol = {
    gateway: deps.gateway,
    keepAliveMs: deps.keepAliveMs,
    ...(deps.auth.mode === 'keys' ? { authenticate: keysAuthenticator(deps.store) } : {}),
  };
  await app.register(ollamaRoutes, protocol);
  await app.register(anthropicRoutes, protocol);
  await app.register(openaiRoutes, protocol);
  await app.register(modelsRoutes, protocol);
  const { adminKey } = deps.auth;
  // Without an admin key the admin endpoints do not exist (404), rather than exist unprotected.
  if (adminKey !== undefined) {
    await app.register(adminRoutes, { store: deps.store, adminKey, priorityClasses: deps.priorityClasses });
  }
  await app.register(usageRoutes, { store: deps.store, authMode: deps.auth.mode, adminKey, now: deps.now });
  await app.register(statusRoutes, {
    gateway: deps.gateway,
    scheduler: deps.scheduler,
    metrics: deps.metrics,
    clock: deps.clock,
    version: deps.version,
    startedAtMs: deps.clock.now(),
  });
  return app;
}
