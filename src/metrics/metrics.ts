import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Gateway } from '../gateway/gateway.js';
import type { GroupStatus, Scheduler, SchedulerSnapshot } from '../scheduler/index.js';

/** Tenants with their own series; more would make the label set grow with the user base. */
export const METRICS_TENANT_LIMIT = 100;
/** Label value for the tenants beyond the limit (tenant ids are `user:…`, `key:…`, `ip:…` or store ids). */
export const OTHER_TENANTS = '(other)';

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export interface Metrics {
  readonly registry: Registry;
  /** Counts one HTTP answer (fed by the server's onResponse hook). */
  observeHttp(route: string, method: string, status: number): void;
  render(): Promise<string>;
  readonly contentType: string;
  close(): void;
}

/**
 * Prometheus metrics (one registry per gateway, never prom-client's global one, so two gateways in
 * one test process do not mix). Fed only by subscribing to gateway events and reading scheduler
 * counts at scrape time: nothing in a request's path waits on metrics.
 */
export function createMetrics(gateway: Gateway, scheduler: Scheduler): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'corral_process_' });

  const http = new Counter({
    name: 'corral_http_requests_total',
    help: 'HTTP requests answered, by route and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const requests = new Counter({
    name: 'corral_requests_total',
    help: 'Model requests that went through the queue, by outcome',
    labelNames: ['protocol', 'kind', 'model', 'outcome'] as const,
    registers: [registry],
  });
  const wait = new Histogram({
    name: 'corral_queue_wait_seconds',
    help: 'Time a request waited in the queue before it got a slot (or gave up)',
    labelNames: ['model'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });
  const processing = new Histogram({
    name: 'corral_processing_seconds',
    help: 'Time a request held a slot, from dispatch to the end of the upstream answer',
    labelNames: ['model', 'backend'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'corral_tokens_total',
    help: 'Tokens reported by upstreams, by direction',
    labelNames: ['model', 'direction'] as const,
    registers: [registry],
  });
  const upstreamErrors = new Counter({
    name: 'corral_upstream_errors_total',
    help: 'Failed upstream calls, by backend and error kind',
    labelNames: ['backend', 'kind'] as const,
    registers: [registry],
  });
  const fallbacks = new Counter({
    name: 'corral_fallback_total',
    help: 'Requests sent to the cloud fallback, by cloud model and reason (predicted_wait, wait_exceeded, no_local_host)',
    labelNames: ['model', 'reason'] as const,
    registers: [registry],
  });
  const cloudCost = new Counter({
    name: 'corral_cloud_cost_usd_total',
    help: 'US dollars spent on the cloud fallback (from fallback.prices), by cloud model',
    labelNames: ['model'] as const,
    registers: [registry],
  });
  // One snapshot per scrape, shared by every gauge below (each collect() would take its own).
  let scrape: SchedulerSnapshot | undefined;
  const snap = (): SchedulerSnapshot => scrape ?? scheduler.snapshot();
  const gauge = (
    name: string,
    help: string,
    read: (s: SchedulerSnapshot) => number | null | undefined,
  ): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        // No data (an average over no samples, ETA off) is NaN, not a misleading 0.
        this.set(read(snap()) ?? Number.NaN);
      },
    });
  };
  const byGroup = <L extends string>(
    name: string,
    help: string,
    label: L,
    groups: (s: SchedulerSnapshot) => Iterable<[string, GroupStatus]>,
    read: (g: GroupStatus) => number | null,
  ): void => {
    new Gauge({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      collect() {
        this.reset();
        for (const [key, group] of groups(snap())) {
          const value = read(group);
          if (value !== null) this.set({ [label]: key } as Record<L, string>, value);
        }
      },
    });
  };
  const models = (s: SchedulerSnapshot) => Object.entries(s.models);
  const priorities = (s: SchedulerSnapshot) => Object.entries(s.priorities);
  const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);

  // The seed's get_queue_stats, one gauge per field.
  gauge('corral_queue_size', 'Requests waiting for a slot, all models', (s) => s.queued);
  gauge('corral_queue_running', 'Requests holding a slot, all models', (s) => s.running);
  gauge(
    'corral_processing_avg_seconds',
    'Mean time a request held a slot, over requests completed in the stats window',
    (s) => seconds(s.window.avgProcessingMs),
  );
  gauge('corral_completions_recent', 'Requests completed in the stats window', (s) => s.window.completed);
  gauge(
    'corral_throughput_per_second',
    'Requests completed per second over the stats window',
    (s) => s.window.throughputPerSec,
  );
  gauge('corral_queue_wait_overall_avg_seconds', 'Mean queue wait over the stats window, all models', (s) =>
    seconds(s.window.avgWaitMs),
  );

  // Per model.
  byGroup('corral_queue_length', 'Requests waiting for a slot, by model', 'model', models, (g) => g.queued);
  byGroup(
    'corral_queue_wait_avg_seconds',
    'Mean queue wait over the stats window, by model',
    'model',
    models,
    (g) => seconds(g.avgWaitMs),
  );
  byGroup(
    'corral_model_processing_avg_seconds',
    'Mean time holding a slot over the stats window, by model',
    'model',
    models,
    (g) => seconds(g.avgProcessingMs),
  );
  byGroup(
    'corral_model_throughput_per_second',
    'Requests completed per second over the stats window, by model',
    'model',
    models,
    (g) => g.throughputPerSec,
  );

  // Per priority class (the class a request was admitted in; few, bounded by config).
  byGroup(
    'corral_priority_queue_length',
    'Requests waiting, by priority class',
    'priority',
    priorities,
    (g) => g.queued,
  );
  byGroup(
    'corral_priority_active_requests',
    'Requests holding a slot, by priority class',
    'priority',
    priorities,
    (g) => g.running,
  );
  byGroup(
    'corral_priority_queue_wait_avg_seconds',
    'Mean queue wait over the stats window, by priority class',
    'priority',
    priorities,
    (g) => seconds(g.avgWaitMs),
  );

  // Per tenant: only tenants waiting or running now, at most METRICS_TENANT_LIMIT of them (the
  // busiest); the rest are summed under tenant="(other)". Idle tenants' series disappear.
  const tenants = (s: SchedulerSnapshot) => busiestTenants(s, METRICS_TENANT_LIMIT);
  byGroup(
    'corral_tenant_queue_length',
    'Requests waiting, by tenant (busy tenants only)',
    'tenant',
    tenants,
    (g) => g.queued,
  );
  byGroup(
    'corral_tenant_active_requests',
    'Requests holding a slot, by tenant (busy tenants only)',
    'tenant',
    tenants,
    (g) => g.running,
  );
  byGroup(
    'corral_tenant_queue_wait_avg_seconds',
    'Mean queue wait over the stats window, by tenant (busy tenants only)',
    'tenant',
    tenants,
    (g) => seconds(g.avgWaitMs),
  );

  new Gauge({
    name: 'corral_active_requests',
    help: 'Requests holding a slot, by backend and model',
    labelNames: ['backend', 'model'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [backend, info] of Object.entries(snap().backends)) {
        for (const [model, running] of Object.entries(info.models)) this.set({ backend, model }, running);
      }
    },
  });

  gauge(
    'corral_eta_start_error_ratio',
    'Median absolute error of predicted queue start times, relative to the actual wait (recent window)',
    (s) => (s.eta && s.eta.medianAbsErrorPct !== null ? s.eta.medianAbsErrorPct / 100 : null),
  );
  gauge(
    'corral_eta_start_error_seconds',
    'Median absolute error of predicted queue start times, in seconds (recent window)',
    (s) => seconds(s.eta?.medianAbsErrorMs ?? null),
  );
  gauge('corral_eta_predictions', 'Start-time predictions scored (recent window)', (s) => s.eta?.count);

  const unsubscribe = [
    gateway.events.on('request_finished', (e) => {
      requests.inc({ protocol: e.protocol, kind: e.kind, model: e.model, outcome: e.outcome });
      wait.observe({ model: e.model }, e.waitMs / 1000);
      if (e.backend) processing.observe({ model: e.model, backend: e.backend }, e.processingMs / 1000);
      if (e.inputTokens) tokens.inc({ model: e.model, direction: 'input' }, e.inputTokens);
      if (e.outputTokens) tokens.inc({ model: e.model, direction: 'output' }, e.outputTokens);
      if (e.cloud?.costUsd) cloudCost.inc({ model: e.cloud.model }, e.cloud.costUsd);
    }),
    gateway.events.on('fallback', (e) => fallbacks.inc({ model: e.cloudModel, reason: e.reason })),
    gateway.events.on('upstream_error', (e) => upstreamErrors.inc({ backend: e.backend, kind: e.errorKind })),
  ];

  return {
    registry,
    contentType: registry.contentType,
    observeHttp: (route, method, status) => http.inc({ route, method, status: String(status) }),
    async render() {
      scrape = scheduler.snapshot();
      try {
        return await registry.metrics();
      } finally {
        scrape = undefined;
      }
    },
    close: () => unsubscribe.forEach((off) => off()),
  };
}

/**
 * Tenants waiting or running now, the busiest `limit` of them (the snapshot lists them busiest
 * first); the rest summed under `OTHER_TENANTS`, with their dispatch-weighted mean wait.
 */
export function busiestTenants(snapshot: SchedulerSnapshot, limit: number): Array<[string, GroupStatus]> {
  const busy = Object.entries(snapshot.tenants).filter(([, g]) => g.queued + g.running > 0);
  if (busy.length <= limit) return busy;
  const rest = busy.slice(limit).map(([, g]) => g);
  const dispatched = rest.reduce((n, g) => n + g.dispatched, 0);
  const waitSum = rest.reduce((n, g) => n + (g.avgWaitMs ?? 0) * g.dispatched, 0);
  const completed = rest.reduce((n, g) => n + g.completed, 0);
  const processingSum = rest.reduce((n, g) => n + (g.avgProcessingMs ?? 0) * g.completed, 0);
  const other: GroupStatus = {
    queued: rest.reduce((n, g) => n + g.queued, 0),
    running: rest.reduce((n, g) => n + g.running, 0),
    dispatched,
    avgWaitMs: dispatched === 0 ? null : waitSum / dispatched,
    completed,
    avgProcessingMs: completed === 0 ? null : processingSum / completed,
    throughputPerSec: rest.reduce((n, g) => n + g.throughputPerSec, 0),
  };
  return [...busy.slice(0, limit), [OTHER_TENANTS, other]];
}
