/**
 * Proxy overhead: the gateway in front of an instant emulator vs the emulator called directly
 * (each protocol's own route on the emulator), measured in one run with the same load generator (DESIGN.md §6, issue 9). Gateway, emulator and
 * load generator share this machine, each in its own process.
 *
 *   npm run bench               print the results
 *   npm run bench -- --record   also append them to bench/RESULTS.md
 *
 * Knobs: `BENCH_SECONDS` (each c=16 run, default 5), `BENCH_REQUESTS` (each c=1 run, default 2000),
 * `BENCH_PROTOCOLS` (comma-separated subset of ollama,anthropic,openai; default all three).
 */
import { appendFileSync, mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sequentialLatency, throughput } from './lib/measure.js';
import type { LatencyStats, ThroughputStats } from './lib/measure.js';
import { cpuSeconds, freePort, peakRssMb, startCorral } from './lib/processes.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const SEQUENTIAL = Number(process.env.BENCH_REQUESTS ?? 2000);
const SLOTS = 16;

const messages = [{ role: 'user', content: 'Hello' }];
const ollama = (stream: boolean) =>
  JSON.stringify({ model: 'llama3.2', stream, messages, options: { num_predict: 8 } });
const anthropic = (stream: boolean) => JSON.stringify({ model: 'llama3.2', stream, max_tokens: 8, messages });
const openai = (stream: boolean) => JSON.stringify({ model: 'llama3.2', stream, max_tokens: 8, messages });

/** Each protocol's path on both sides: the gateway vs the emulator's own route for it. */
const ALL_PROTOCOLS = [
  { name: 'ollama /api/chat', path: '/api/chat', body: ollama },
  { name: 'anthropic /v1/messages', path: '/v1/messages', body: anthropic },
  { name: 'openai /v1/chat/completions', path: '/v1/chat/completions', body: openai },
] as const;
const only = process.env.BENCH_PROTOCOLS?.split(',').map((name) => name.trim());
const PROTOCOLS = ALL_PROTOCOLS.filter((p) => !only || only.some((name) => p.name.startsWith(`${name} `)));

interface Row {
  scenario: string;
  direct: string;
  gateway: string;
  added: string;
  ratio: string;
}

const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

function latencyRow(name: string, direct: LatencyStats, gateway: LatencyStats): Row[] {
  return [
    {
      scenario: `${name} p50`,
      direct: fmt(direct.p50),
      gateway: fmt(gateway.p50),
      added: fmt(gateway.p50 - direct.p50),
      ratio: (gateway.p50 / direct.p50).toFixed(2),
    },
    {
      scenario: `${name} p99`,
      direct: fmt(direct.p99),
      gateway: fmt(gateway.p99),
      added: fmt(gateway.p99 - direct.p99),
      ratio: (gateway.p99 / direct.p99).toFixed(2),
    },
  ];
}

function throughputRow(name: string, direct: ThroughputStats, gateway: ThroughputStats): Row[] {
  return [
    {
      scenario: `${name} req/s`,
      direct: direct.requestsPerSecond.toFixed(0),
      gateway: gateway.requestsPerSecond.toFixed(0),
      added: '',
      ratio: (gateway.requestsPerSecond / direct.requestsPerSecond).toFixed(2),
    },
    {
      scenario: `${name} p50 / p99 (autocannon, whole ms)`,
      direct: `${direct.p50} / ${direct.p99} ms`,
      gateway: `${gateway.p50} / ${gateway.p99} ms`,
      added: '',
      ratio: '',
    },
  ];
}

async function main(): Promise<void> {
  const simPort = await freePort();
  const gatewayPort = await freePort();
  const simUrl = `http://127.0.0.1:${simPort}`;
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const sim = await startCorral(
    ['sim', '--port', String(simPort), '--tps', '0', '--load-ms', '0', '--parallel', String(SLOTS)],
    simUrl,
  );
  const gateway = await startCorral(
    ['serve', '--port', String(gatewayPort), '--log-level', 'warn'],
    gatewayUrl,
    {
      CORRAL_BACKENDS: JSON.stringify([{ name: 'sim', url: simUrl, maxParallel: SLOTS }]),
      // Usage rows go to a throwaway database (the default would be ./data in the working tree).
      CORRAL_STORE__PATH: join(mkdtempSync(join(tmpdir(), 'corral-bench-')), 'corral.db'),
    },
  );
  const rows: Row[] = [];
  let gatewayRequests = 0;
  let gatewayCpu = 0;
  let rss = NaN;
  try {
    // Load the model once so no run pays for it.
    await sequentialLatency(simUrl, '/api/chat', ollama(false), {
      requests: 1,
      warmup: 50,
      firstByte: false,
    });
    await sequentialLatency(gatewayUrl, '/api/chat', ollama(false), {
      requests: 1,
      warmup: 200,
      firstByte: false,
    });

    const seq = { requests: SEQUENTIAL, warmup: 200 };
    const cpuBefore = cpuSeconds(gateway.pid);
    for (const protocol of PROTOCOLS) {
      const c1Direct = await sequentialLatency(simUrl, protocol.path, protocol.body(false), {
        ...seq,
        firstByte: false,
      });
      const c1Gateway = await sequentialLatency(gatewayUrl, protocol.path, protocol.body(false), {
        ...seq,
        firstByte: false,
      });
      rows.push(...latencyRow(`${protocol.name} non-streamed c=1`, c1Direct, c1Gateway));
      const ttfbDirect = await sequentialLatency(simUrl, protocol.path, protocol.body(true), {
        ...seq,
        firstByte: true,
      });
      const ttfbGateway = await sequentialLatency(gatewayUrl, protocol.path, protocol.body(true), {
        ...seq,
        firstByte: true,
      });
      rows.push(...latencyRow(`${protocol.name} streamed c=1 first byte`, ttfbDirect, ttfbGateway));
      gatewayRequests += 2 * (SEQUENTIAL + 200);
      for (const stream of [false, true]) {
        const name = `${protocol.name} ${stream ? 'streamed' : 'non-streamed'} c=16`;
        const direct = await throughput(`${simUrl}${protocol.path}`, protocol.body(stream), 16, SECONDS);
        const viaGateway = await throughput(
          `${gatewayUrl}${protocol.path}`,
          protocol.body(stream),
          16,
          SECONDS,
        );
        if (direct.errors + viaGateway.errors > 0)
          throw new Error(`${name}: ${direct.errors} / ${viaGateway.errors} errors`);
        gatewayRequests += viaGateway.total;
        rows.push(...throughputRow(name, direct, viaGateway));
      }
    }
    gatewayCpu = cpuSeconds(gateway.pid) - cpuBefore;
  } finally {
    rss = peakRssMb(gateway.pid);
    await gateway.stop();
    await sim.stop();
  }
  const cpuPerRequestUs = (gatewayCpu / gatewayRequests) * 1e6;
  report(rows, { rss, cpuPerRequestUs, gatewayRequests });
}

function report(rows: Row[], extra: { rss: number; cpuPerRequestUs: number; gatewayRequests: number }): void {
  const date = new Date().toISOString().slice(0, 10);
  const lines = [
    `### Proxy overhead — ${date}`,
    '',
    `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; emulator (\`--tps 0 --load-ms 0 --parallel ${SLOTS}\`), gateway (\`maxParallel ${SLOTS}\`, log level warn) and load generator on one machine, each in its own process. c=1 rows: ${SEQUENTIAL} sequential requests after 200 warm-up, sub-ms clock. c=16 rows: autocannon, ${SECONDS} s each.`,
    '',
    '| scenario | direct | via gateway | added | ratio |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.scenario} | ${r.direct} | ${r.gateway} | ${r.added} | ${r.ratio} |`),
    '',
    `Gateway process: ${extra.cpuPerRequestUs.toFixed(0)} µs CPU per request (over ${extra.gatewayRequests} requests), peak RSS ${extra.rss.toFixed(1)} MB.`,
    '',
  ];
  const text = lines.join('\n');
  console.log(text);
  if (process.argv.includes('--record')) {
    appendFileSync(fileURLToPath(new URL('./RESULTS.md', import.meta.url)), '\n' + text);
    console.log('appended to bench/RESULTS.md');
  }
}

await main();
