import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Gateway } from '../gateway/gateway.js';
import type { Scheduler } from '../scheduler/index.js';

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
  new Gauge({
    name: 'corral_queue_length',
    help: 'Requests waiting for a slot, by model',
    labelNames: ['model'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [model, counts] of Object.entries(scheduler.snapshot().models))
        this.set({ model }, counts.queued);
    },
  });
  new Gauge({
    name: 'corral_active_requests',
    help: 'Requests holding a slot, by backend and model',
    labelNames: ['backend', 'model'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [backend, info] of Object.entries(scheduler.snapshot().backends)) {
        for (const [model, running] of Object.entries(info.models)) this.set({ backend, model }, running);
      }
    },
  });

  const unsubscribe = [
    gateway.events.on('request_finished', (e) => {
      requests.inc({ protocol: e.protocol, kind: e.kind, model: e.model, outcome: e.outcome });
      wait.observe({ model: e.model }, e.waitMs / 1000);
      if (e.backend) processing.observe({ model: e.model, backend: e.backend }, e.processingMs / 1000);
      if (e.inputTokens) tokens.inc({ model: e.model, direction: 'input' }, e.inputTokens);
      if (e.outputTokens) tokens.inc({ model: e.model, direction: 'output' }, e.outputTokens);
    }),
    gateway.events.on('upstream_error', (e) => upstreamErrors.inc({ backend: e.backend, kind: e.errorKind })),
  ];

  return {
    registry,
    contentType: registry.contentType,
    observeHttp: (route, method, status) => http.inc({ route, method, status: String(status) }),
    render: () => registry.metrics(),
    close: () => unsubscribe.forEach((off) => off()),
  };
}
