import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { OllamaBackend } from '../backends/ollama/ollama-backend.js';
import type { Config } from '../config/index.js';
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import type { Backend } from '../core/ports.js';
import { Gateway } from '../gateway/gateway.js';
import { createMetrics } from '../metrics/metrics.js';
import { Scheduler } from '../scheduler/index.js';
import { buildServer } from './build-server.js';

export interface Corral {
  readonly app: FastifyInstance;
  readonly gateway: Gateway;
  readonly scheduler: Scheduler;
  /** Starts listening; resolves with the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The composition root (STYLE.md §3): builds every part in dependency order from a validated
 * config, and closes them in reverse. Nothing is global, so one process can hold several gateways.
 */
export async function createCorral(
  config: Config,
  log: Logger,
  options: { clock?: Clock; version?: string } = {},
): Promise<Corral> {
  const clock = options.clock ?? systemClock;
  const backends: Backend[] = config.backends.map(
    (b) => new OllamaBackend({ name: b.name, url: b.url, timeouts: { ...b.timeouts } }),
  );
  const scheduler = new Scheduler(
    {
      maxQueued: config.scheduler.maxQueued,
      maxQueuedPerModel: config.scheduler.maxQueuedPerModel,
      minRetryAfterMs: config.scheduler.retryAfterMs,
      onListenerError: (err) => log.warn({ err }, 'scheduler observer failed'),
    },
    clock,
  );
  for (const b of config.backends) {
    // Ollama does not report OLLAMA_NUM_PARALLEL over HTTP; until the fleet measures it, 'auto'
    // means Ollama's own default of one slot per model.
    scheduler.setBackendDefaultSlots(b.name, b.maxParallel === 'auto' ? 1 : b.maxParallel);
  }
  const gateway = new Gateway({
    scheduler,
    backends,
    clock,
    log: log.child({ component: 'gateway' }),
    options: { maxQueueWaitMs: config.scheduler.maxQueueWaitMs, logPrompts: config.logging.logPrompts },
  });
  const metrics = createMetrics(gateway, scheduler);
  const app = await buildServer({
    gateway,
    scheduler,
    metrics,
    clock,
    log,
    bodyLimitBytes: config.server.bodyLimitBytes,
    version: options.version ?? '0.0.0',
  });
  let closed = false;
  return {
    app,
    gateway,
    scheduler,
    async listen() {
      return app.listen({ host: config.server.host, port: config.server.port });
    },
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      metrics.close();
      await gateway.close();
    },
  };
}
