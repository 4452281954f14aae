import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Fleet } from '../backends/fleet.js';
import { OllamaBackend } from '../backends/ollama/ollama-backend.js';
import type { Config } from '../config/index.js';
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import type { Backend } from '../core/ports.js';
import { Gateway } from '../gateway/gateway.js';
import { createMetrics } from '../metrics/metrics.js';
import type { Scheduler } from '../scheduler/index.js';
import { buildScheduler } from './build-scheduler.js';
import { buildServer } from './build-server.js';
import { resolve } from 'node:path';
import type { Store } from '../core/store-port.js';
import { CloudFallback } from '../gateway/cloud-fallback.js';
import { Metering } from '../gateway/metering.js';
import { openStore } from '../store/open-store.js';

export interface Corral {
  readonly app: FastifyInstance;
  readonly gateway: Gateway;
  readonly scheduler: Scheduler;
  /** Keys, tenants, quotas and usage; closed last. */
  readonly store: Store;
  /** Quota reservation and usage rows (tests `drain()` it before reading usage). */
  readonly metering: Metering;
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
  options: { clock?: Clock; version?: string; now?: () => number; env?: NodeJS.ProcessEnv } = {},
): Promise<Corral> {
  const clock = options.clock ?? systemClock;
  // Wall clock for persisted times (quota windows, usage rows); tests pin it.
  const now = options.now ?? Date.now;
  const store = await openConfiguredStore(config, now);
  // The URL of a Postgres store may hold a password: only SQLite's path is logged.
  log.info(
    { store: store.kind, ...(config.store.kind === 'sqlite' ? { path: resolve(config.store.path) } : {}) },
    'store opened',
  );
  const metering = new Metering({
    store,
    log: log.child({ component: 'metering' }),
    audit: config.usage.audit,
    now,
  });
  void metering.sweep();
  const backends: Backend[] = config.backends.map(
    (b) => new OllamaBackend({ name: b.name, url: b.url, timeouts: { ...b.timeouts } }),
  );
  const fleet = new Fleet(
    backends.map((backend, i) => {
      const b = config.backends[i];
      // Same reading of 'auto' as buildScheduler: Ollama's default of one slot per model.
      const slotsPerModel = b === undefined || b.maxParallel === 'auto' ? 1 : b.maxParallel;
      return { backend, weight: b?.weight ?? 1, slotsPerModel, maxLoadedModels: b?.maxLoadedModels ?? 3 };
    }),
    { ...config.fleet, onListenerError: (err) => log.error({ err }, 'fleet observer failed') },
    clock,
  );
  // The first discovery (bounded by fleet.checkTimeoutMs) before traffic: the router then knows
  // from the first request which host has which model loaded.
  await fleet.refresh();
  const fallback = await buildFallback(config, options.env ?? process.env);
  if (fallback)
    log.info({ backend: fallback.backend.url, maxWaitMs: fallback.maxWaitMs }, 'cloud fallback on');
  const { scheduler, tenants } = buildScheduler(config, clock, log);
  const gateway = new Gateway({
    scheduler,
    tenants,
    admission: metering,
    backends,
    ...(fallback ? { fallback } : {}),
    fleet,
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
    keepAliveMs: config.server.keepAliveMs,
    version: options.version ?? '0.0.0',
    store,
    auth: config.auth,
    priorityClasses: config.scheduler.priorities,
    now,
  });
  let closed = false;
  return {
    app,
    gateway,
    scheduler,
    store,
    metering,
    async listen() {
      return app.listen({ host: config.server.host, port: config.server.port });
    },
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      metrics.close();
      // Stop the fleet's timers first, then close the pools its last checks may still be using.
      const fleetClosed = fleet.close();
      await gateway.close();
      await fleetClosed;
      await metering.close();
      await store.close();
    },
  };
}

/**
 * Opens the configured store (`serve` and the admin CLI share it). A relative SQLite path is
 * relative to the working directory; the file and its directory are created on first open.
 */
export function openConfiguredStore(config: Config, now: () => number = Date.now): Promise<Store> {
  const common = { audit: config.usage.audit, now };
  if (config.store.kind === 'postgres') {
    // The schema refuses postgres without a URL; this guards library callers who skip it.
    if (config.store.url === undefined) throw new Error('store.url is required for a postgres store');
    return openStore({ kind: 'postgres', url: config.store.url, ...common });
  }
  return openStore({
    kind: 'sqlite',
    path: resolve(config.store.path),
    synchronous: config.store.synchronous,
    ...common,
  });
}

/**
 * The cloud fallback from `fallback.*`, or undefined when it is off. Its key comes from config or
 * `ANTHROPIC_API_KEY`; turning the fallback on without one is a start-up error, not a surprise at
 * the first overflow.
 */
async function buildFallback(config: Config, env: NodeJS.ProcessEnv): Promise<CloudFallback | undefined> {
  const f = config.fallback;
  if (!f.enabled) return undefined;
  const apiKey = f.apiKey ?? env['ANTHROPIC_API_KEY'];
  if (apiKey === undefined || apiKey === '')
    throw new Error(
      'fallback.enabled is true but no cloud API key is set: give fallback.apiKey (or CORRAL_FALLBACK__API_KEY), or set ANTHROPIC_API_KEY',
    );
  // Loaded only when the fallback is on: the Anthropic SDK adds ≈ 20 MB to the resident set.
  const { AnthropicBackend } = await import('../backends/anthropic/anthropic-backend.js');
  const backend = new AnthropicBackend({
    name: f.name,
    apiKey,
    ...(f.baseUrl === undefined ? {} : { baseUrl: f.baseUrl }),
    defaultMaxTokens: f.defaultMaxTokens,
    maxRetries: f.maxRetries,
    timeoutMs: f.timeoutMs,
  });
  return new CloudFallback({
    backend,
    maxWaitMs: f.maxWaitMs,
    models: f.models,
    tenants: f.tenants,
    prices: f.prices,
  });
}
