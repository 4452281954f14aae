import autocannon from 'autocannon';
import { Pool } from 'undici';

export interface LatencyStats {
  p50: number;
  p99: number;
  mean: number;
  n: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? NaN;
}

export function summarise(samples: number[]): LatencyStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean, n: sorted.length };
}

/**
 * Sequential requests (concurrency 1) timed with a sub-millisecond clock: autocannon's histogram
 * has whole-millisecond resolution, too coarse for a 0.3 ms budget. `firstByte` stops the clock
 * at the first body chunk (streamed time to first byte) instead of the end of the body.
 */
export async function sequentialLatency(
  origin: string,
  path: string,
  body: string,
  options: { requests: number; warmup: number; firstByte: boolean },
): Promise<LatencyStats> {
  const pool = new Pool(origin, { connections: 1 });
  const samples: number[] = [];
  try {
    for (let i = 0; i < options.warmup + options.requests; i++) {
      const started = performance.now();
      const res = await pool.request({
        path,
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
      let elapsed = NaN;
      for await (const _chunk of res.body) {
        if (options.firstByte && Number.isNaN(elapsed)) elapsed = performance.now() - started;
      }
      if (!options.firstByte) elapsed = performance.now() - started;
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode} from ${origin}${path}`);
      if (i >= options.warmup) samples.push(elapsed);
    }
  } finally {
    await pool.close();
  }
  return summarise(samples);
}

export interface ThroughputStats {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  errors: number;
}

/** Closed-loop load at a fixed concurrency with autocannon (whole-ms latency resolution). */
export async function throughput(
  url: string,
  body: string,
  connections: number,
  seconds: number,
): Promise<ThroughputStats> {
  const result = await autocannon({
    url,
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
    connections,
    duration: seconds,
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    errors: result.errors + result.non2xx,
  };
}
