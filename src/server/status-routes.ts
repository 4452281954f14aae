import type { FastifyInstance } from 'fastify';
import type { Clock } from '../core/clock.js';
import { probeBackend } from '../gateway/backend-status.js';
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

const PROBE_TIMEOUT_MS = 2000;

/**
 * Corral's own endpoints: `/api/status` (the seed's monitoring endpoint, extended),
 * `/api/queue/{id}` (where a request stands) and `/metrics` (Prometheus).
 */
export async function statusRoutes(app: FastifyInstance, deps: StatusRouteDeps): Promise<void> {
  const { gateway, scheduler, metrics, clock } = deps;

  app.get('/api/status', async () => {
    const backends = await Promise.all(
      gateway.backends.map((b) => probeBackend(b, PROBE_TIMEOUT_MS, () => clock.now())),
    );
    const reachable = backends.filter((b) => b.reachable).length;
    const status = reachable === backends.length ? 'ok' : reachable > 0 ? 'degraded' : 'down';
    const queue = scheduler.snapshot();
    return {
      status,
      version: deps.version,
      uptimeSeconds: Math.round((clock.now() - deps.startedAtMs) / 1000),
      backends,
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
