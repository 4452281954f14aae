import type { FastifyInstance } from 'fastify';
import type { Clock } from '../core/clock.js';
import { describeBackend } from '../gateway/backend-status.js';
import type { Gateway } from '../gateway/gateway.js';
import type { Metrics } from '../metrics/metrics.js';
import { seedQueueStats } from '../scheduler/index.js';
import type { Scheduler } from '../scheduler/index.js';

export interface StatusRouteDeps {
  gateway: Gateway;
  scheduler: Scheduler;
  metrics: Metrics;
  clock: Clock;
  version: string;
  startedAtMs: number;
}

/**
 * Corral's own endpoints: `/api/status` (the seed's monitoring endpoint, extended),
 * `/api/queue/{id}` (where a request stands) and `/metrics` (Prometheus).
 */
export async function statusRoutes(app: FastifyInstance, deps: StatusRouteDeps): Promise<void> {
  const { gateway, scheduler, metrics, clock } = deps;

  app.get('/api/status', async () => {
    // A fresh look at the healthy backends (bounded by fleet.checkTimeoutMs): the page is read
    // rarely and should show what runs now, not what ran at the last refresh.
    await gateway.fleet.refresh();
    const now = clock.now();
    const backends = gateway.fleet.snapshot().backends.map((b) => describeBackend(b, now));
    const reachable = backends.filter((b) => b.reachable).length;
    const status = reachable === backends.length ? 'ok' : reachable > 0 ? 'degraded' : 'down';
    const queue = scheduler.snapshot();
    return {
      status,
      version: deps.version,
      uptimeSeconds: Math.round((clock.now() - deps.startedAtMs) / 1000),
      backends,
      // Why recent requests went where they went: eligible backends, best first, with predictions.
      // The cloud fallback, when on: where it goes and the wait bound (counts are in /metrics and usage).
      fallback: gateway.fallbackStatus() ?? { enabled: false },
      routing: gateway.recentRoutes().map((r) => ({
        id: r.id,
        model: r.model,
        agoMs: Math.round(now - r.atMs),
        ...(r.fallback ? { fallback: r.fallback } : {}),
        candidates: r.candidates.map((c) => ({
          ...c,
          waitMs: Math.round(c.waitMs),
          loadMs: Math.round(c.loadMs),
          completionMs: Math.round(c.completionMs),
        })),
      })),
      // The seed's `queue_stats` (get_queue_stats), same field names; `queue` has the rest.
      queue_stats: seedQueueStats(queue),
      queue,
    };
  });

  app.get<{ Params: { id: string } }>('/api/queue/:id', async (request, reply) => {
    const job = scheduler.get(request.params.id);
    if (!job)
      return reply
        .status(404)
        .send({ error: `no request '${request.params.id}' is queued, running or recently finished` });
    const now = clock.now();
    return {
      id: job.id,
      state: job.state,
      model: job.model,
      ...(job.position === undefined ? {} : { position: job.position, ahead: job.ahead }),
      ...(job.startInMs === undefined ? {} : { etaMs: Math.round(job.startInMs) }),
      ...(job.finishInMs === undefined ? {} : { finishEtaMs: Math.round(job.finishInMs) }),
      ...(job.backend === undefined ? {} : { backend: job.backend }),
      waitedMs: Math.round((job.startedAtMs ?? job.finishedAtMs ?? now) - job.enqueuedAtMs),
      ...(job.startedAtMs === undefined
        ? {}
        : { runningMs: Math.round((job.finishedAtMs ?? now) - job.startedAtMs) }),
    };
  });

  app.get('/metrics', async (_request, reply) =>
    reply.type(metrics.contentType).send(await metrics.render()),
  );
}
