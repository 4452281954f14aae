/**
 * Fleet routing and cloud fallback (issue 6, item 5; DESIGN.md §6 "Fleet"):
 *
 * (a) Routing: 3 emulated Ollama hosts, each with 2 slots per model and room for 2 of the 4
 *     models (OLLAMA_NUM_PARALLEL=2, OLLAMA_MAX_LOADED_MODELS=2), and one seeded trace of Poisson
 *     arrivals from 10 tenants whose model preferences make two models hot. The same trace is
 *     replayed three times on fresh, cold hosts: through Corral, and straight to the hosts by round
 *     robin and by random choice (what Open WebUI does with several Ollama URLs), where each
 *     Ollama queues per model, FIFO. Throughput as % of ideal, model loads, latency.
 * (b) Fallback: a fresh copy of the same fleet after a warm-up, hit by a burst it cannot absorb; the fraction of
 *     burst requests whose queue wait stayed within the bound, without and with the cloud
 *     fallback (a fourth emulator plays the Anthropic API).
 *
 *   npx tsx bench/fleet.ts [--record]
 *   BENCH_FLEET_SECONDS=3 BENCH_FLEET_BURST=40 npx tsx bench/fleet.ts     a quick run
 *
 * Everything runs in this process on 127.0.0.1 (gateway, emulators, load generator), as in
 * bench/fairness.ts: the emulators' control planes then count loads exactly, and the gateway's
 * own usage rows give queue waits on its clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../src/config/index.js';
import type { ConfigInput } from '../src/config/index.js';
import { createCorral } from '../src/server/compose.js';
import type { Corral } from '../src/server/compose.js';
import { createEmulator } from '../src/sim/index.js';
import type { Emulator } from '../src/sim/index.js';
import { emitSection, lcg, percentile, verdict } from './lib/report.js';

const HOSTS = 3;
/** Slots per model on each host (emulator `parallel` = Corral `maxParallel`). */
const PARALLEL = 2;
/** Models resident at once per host (emulator and Corral `maxLoadedModels`). */
const MAX_LOADED = 2;
/** Concurrent generations the whole fleet can run: every host full with two models. */
const FLEET_SLOTS = HOSTS * MAX_LOADED * PARALLEL;
/** Concurrent generations of one model: one slot set per host. */
const MODEL_SLOTS = HOSTS * PARALLEL;
/** Output tokens per second per slot (Ollama-like on a mid-range GPU). */
const TPS = 40;
/**
 * Time is scaled down about 20×: replies of 4–16 tokens at 40 tokens/s take 100–400 ms (2–8 s
 * replies of 80–320 tokens at full scale), loads 300–600 ms (6–12 s for a 2–9 GB model read
 * from local disk). A load thus costs roughly 1–6 replies' worth of a slot.
 */
const MODELS = [
  { name: 'llama3.2:3b', loadMs: 300 },
  { name: 'mistral:7b', loadMs: 450 },
  { name: 'gemma3:4b', loadMs: 350 },
  { name: 'phi4:14b', loadMs: 600 },
] as const;
const MIN_TOKENS = 4;
const MAX_TOKENS = 16;
const MEAN_SERVICE_MS = (((MIN_TOKENS + MAX_TOKENS) / 2) * 1000) / TPS;
/**
 * Ten tenants, each with a favourite model it asks for 80 % of the time (any model otherwise):
 * four prefer the first model, four the second, one each the third and fourth. The two hot models
 * then carry ≈ 37 % of the work each, the cold ones ≈ 13 %, in expectation: a placement that fits
 * 2 models per host (hot models on two hosts each, cold ones on one) then keeps every model's slots
 * at most ≈ 85 % busy at the default load. An actual trace's mix varies around that (reported).
 */
const FAVOURITES = [0, 0, 0, 0, 1, 1, 1, 1, 2, 3] as const;
const LOYALTY = 0.8;

/** Seconds of arrivals in the routing trace, and offered load as a fraction of FLEET_SLOTS. */
const SECONDS = Number(process.env.BENCH_FLEET_SECONDS ?? 10);
const LOAD = Number(process.env.BENCH_FLEET_LOAD ?? 0.75);
/** Requests in the one-second burst of the fallback section, and the wait bound. */
const BURST = Number(process.env.BENCH_FLEET_BURST ?? 120);
const BOUND_MS = 1_000;
const CLOUD_MODEL = 'claude-haiku-4-5';
const SEED = 6;

// ---------------------------------------------------------------------------------------------
// The trace and its ideal

interface Arrival {
  id: string;
  /** Offset from the start of the replay. */
  atMs: number;
  tenant: string;
  model: string;
  tokens: number;
  /** Generation time on a free slot of a host with the model loaded (tokens / TPS). */
  serviceMs: number;
}

/** Poisson arrivals at `perSecond` for `seconds`, tenants uniform, models by tenant preference. */
function makeTrace(prefix: string, perSecond: number, seconds: number, seed: number): Arrival[] {
  const random = lcg(seed);
  const trace: Arrival[] = [];
  for (let atMs = 0; atMs < seconds * 1000; atMs += (-Math.log(1 - random()) * 1000) / perSecond) {
    const t = Math.floor(random() * FAVOURITES.length);
    const favourite = FAVOURITES[t] ?? 0;
    const m = random() < LOYALTY ? favourite : Math.floor(random() * MODELS.length);
    const tokens = MIN_TOKENS + Math.floor(random() * (MAX_TOKENS - MIN_TOKENS + 1));
    trace.push({
      id: `${prefix}-${trace.length}`,
      atMs,
      tenant: `tenant-${t}`,
      model: MODELS[m]?.name ?? MODELS[0].name,
      tokens,
      serviceMs: (tokens * 1000) / TPS,
    });
  }
  return trace;
}

/**
 * A lower bound on the makespan of the trace that no routing can beat: the last request cannot end
 * before its release plus its service; the work released at or after any time t needs at least
 * that work / FLEET_SLOTS after t; and one model's work can use at most MODEL_SLOTS slots at once.
 * (The fluid bound: it ignores placement and the granularity of requests, so real schedules sit
 * slightly above it.) Released = arrived; with `coldStart`, also not before the first request for
 * its model has arrived and that model has loaded once, which no strategy starting on cold hosts
 * can avoid.
 */
function makespanLowerBound(trace: readonly Arrival[], coldStart: boolean): number {
  const loadMs = new Map<string, number>(MODELS.map((m) => [m.name, m.loadMs]));
  const firstAt = new Map<string, number>();
  for (const a of trace) if (!firstAt.has(a.model)) firstAt.set(a.model, a.atMs);
  const released = trace.map((a) => ({
    model: a.model,
    serviceMs: a.serviceMs,
    atMs: coldStart ? Math.max(a.atMs, (firstAt.get(a.model) ?? 0) + (loadMs.get(a.model) ?? 0)) : a.atMs,
  }));
  let bound = Math.max(...released.map((a) => a.atMs + a.serviceMs));
  const fluid = (jobs: typeof released, slots: number) => {
    let work = 0;
    for (const job of [...jobs].sort((a, b) => b.atMs - a.atMs)) {
      work += job.serviceMs;
      bound = Math.max(bound, job.atMs + work / slots);
    }
  };
  fluid(released, FLEET_SLOTS);
  for (const m of MODELS)
    fluid(
      released.filter((a) => a.model === m.name),
      MODEL_SLOTS,
    );
  return bound;
}

// ---------------------------------------------------------------------------------------------
// Hosts, gateway and replay

/** Fresh, cold hosts; `slowdown: 0` keeps slots independent, so total work is the same for every strategy. */
function startHosts(): Promise<Emulator[]> {
  return Promise.all(
    Array.from({ length: HOSTS }, () =>
      createEmulator({
        models: MODELS.map((m) => m.name),
        parallel: PARALLEL,
        maxLoadedModels: MAX_LOADED,
        tps: TPS,
        slowdown: 0,
        loadMsByModel: Object.fromEntries(MODELS.map((m) => [m.name, m.loadMs])),
      }),
    ),
  );
}

interface Counters {
  loads: number;
  evictions: number;
  /** Models each host loaded, in order (where a strategy placed the models). */
  loadedBy: string[][];
}

/** Counts loads and evictions from the hosts' control planes. */
function countLoads(hosts: readonly Emulator[]): Counters {
  const counters: Counters = { loads: 0, evictions: 0, loadedBy: hosts.map(() => []) };
  hosts.forEach((host, i) => {
    host.control.on('model_loaded', (e) => {
      counters.loads++;
      counters.loadedBy[i]?.push(e.model);
    });
    host.control.on('model_unloaded', (e) => {
      if (e.reason === 'evicted') counters.evictions++;
    });
  });
  return counters;
}

interface Gateway {
  url: string;
  corral: Corral;
  close(): Promise<void>;
}

/**
 * The real gateway in front of the hosts, telling it what the hosts are (slots per model and how
 * many models fit) so the router can predict loads and evictions; fleet timers at their defaults.
 */
async function startGateway(
  hosts: readonly Emulator[],
  extra: Pick<ConfigInput, 'fallback'> = {},
): Promise<Gateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'corral-bench-fleet-'));
  const config = parseConfig({
    ...extra,
    server: { host: '127.0.0.1', port: 0 },
    store: { path: join(dataDir, 'corral.db') },
    backends: hosts.map((h, i) => ({
      name: `host-${i + 1}`,
      url: h.url,
      maxParallel: PARALLEL,
      maxLoadedModels: MAX_LOADED,
    })),
  });
  const corral = await createCorral(config, pino({ level: 'silent' }));
  const url = await corral.listen();
  return {
    url,
    corral,
    async close() {
      await corral.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function chat(base: string, a: Arrival, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      model: a.model,
      stream: false,
      messages: [{ role: 'user', content: `[[sim:long ${a.tokens}]] question from ${a.tenant}` }],
    }),
  });
}

/** Through the gateway, as the tenant (open mode: `x-corral-user` names it). */
function viaGateway(url: string): (a: Arrival) => Promise<Response> {
  return (a) => chat(url, a, { 'x-corral-user': a.tenant, 'x-request-id': a.id });
}

interface Answer {
  arrival: Arrival;
  /** Send to last byte. */
  latencyMs: number;
  /** Since the start of the replay. */
  endMs: number;
}

interface Replay {
  /** The requests answered 200. */
  answered: Answer[];
  latenciesMs: number[];
  /** Start of the replay to the last answer. */
  makespanMs: number;
  errors: string[];
}

/** Sends every request at its offset (open loop: a slow strategy does not slow the arrivals). */
async function replay(trace: readonly Arrival[], send: (a: Arrival) => Promise<Response>): Promise<Replay> {
  const answered: Answer[] = [];
  const errors: string[] = [];
  const t0 = performance.now();
  let lastEnd = t0;
  await Promise.all(
    trace.map(async (a) => {
      await new Promise((r) => setTimeout(r, Math.max(0, t0 + a.atMs - performance.now())));
      const sent = performance.now();
      try {
        const res = await send(a);
        const body = await res.text();
        const now = performance.now();
        if (res.status === 200) answered.push({ arrival: a, latencyMs: now - sent, endMs: now - t0 });
        else errors.push(`${res.status} ${body.slice(0, 120)}`);
      } catch (err) {
        errors.push(String(err));
      }
      lastEnd = Math.max(lastEnd, performance.now());
    }),
  );
  return { answered, latenciesMs: answered.map((x) => x.latencyMs), makespanMs: lastEnd - t0, errors };
}

// ---------------------------------------------------------------------------------------------
// (a) Routing: Corral vs round robin vs random, one trace

interface StrategyResult extends Replay, Counters {
  name: string;
}

/** Each strategy on its own fresh hosts, so every one starts cold and counts only its own loads. */
async function runStrategy(name: string, trace: readonly Arrival[]): Promise<StrategyResult> {
  const hosts = await startHosts();
  const counters = countLoads(hosts);
  let gateway: Gateway | undefined;
  try {
    let send: (a: Arrival) => Promise<Response>;
    if (name === 'corral') {
      gateway = await startGateway(hosts);
      send = viaGateway(gateway.url);
    } else if (name === 'round-robin') {
      // The peers' dispatchers: no queue of their own, no idea what is loaded where; each host's
      // Ollama queues what it is sent, per model, and loads and evicts as requests come.
      let next = 0;
      send = (a) => chat(hosts[next++ % HOSTS]!.url, a);
    } else {
      // Open WebUI with several Ollama URLs: a uniformly random one per request (seeded here).
      const random = lcg(SEED + 1);
      send = (a) => chat(hosts[Math.floor(random() * HOSTS)]!.url, a);
    }
    const result = await replay(trace, send);
    return { name, ...result, ...counters };
  } finally {
    await gateway?.close();
    await Promise.all(hosts.map((h) => h.close()));
  }
}

async function routingBench(): Promise<{ lines: string[]; verdicts: string }> {
  const perSecond = (LOAD * FLEET_SLOTS * 1000) / MEAN_SERVICE_MS;
  const trace = makeTrace('route', perSecond, SECONDS, SEED);
  const idealMs = makespanLowerBound(trace, false);
  const coldMs = makespanLowerBound(trace, true);
  const workMs = trace.reduce((s, a) => s + a.serviceMs, 0);
  const share = MODELS.map(
    (m) =>
      `${m.name} ${((100 * trace.filter((a) => a.model === m.name).reduce((s, a) => s + a.serviceMs, 0)) / workMs).toFixed(0)} %`,
  );
  const results: StrategyResult[] = [];
  for (const name of ['corral', 'round-robin', 'random']) {
    results.push(await runStrategy(name, trace));
    const r = results.at(-1)!;
    console.log(
      `${name}: makespan ${(r.makespanMs / 1000).toFixed(1)} s, ${r.loads} loads, ${r.errors.length} errors`,
    );
  }
  const lines = [
    `**(a) Routing.** ${HOSTS} emulated Ollama hosts, each with ${PARALLEL} slots per model and room for ${MAX_LOADED} models (emulator \`parallel ${PARALLEL}, maxLoadedModels ${MAX_LOADED}, slowdown 0\`; Corral \`maxParallel ${PARALLEL}, maxLoadedModels ${MAX_LOADED}\`), ${MODELS.length} models loading in ${MODELS.map((m) => m.loadMs).join('/')} ms (${MODELS.map((m) => m.name).join(', ')}), replies of ${MIN_TOKENS}–${MAX_TOKENS} tokens at ${TPS} tokens/s (mean ${MEAN_SERVICE_MS} ms; time scaled ≈ 20× down from 2–8 s replies and 6–12 s loads). One trace, seed ${SEED}: ${trace.length} requests, Poisson arrivals over ${SECONDS} s at ${LOAD * 100} % of the fleet's ${FLEET_SLOTS} slots (${perSecond.toFixed(1)} req/s), from 10 tenants each asking for its favourite model 80 % of the time, which makes two models hot (work: ${share.join(', ')}). Replayed open-loop on fresh, cold hosts for each strategy, in this run: Corral (\`createCorral\`, default fleet settings), and a dispatcher in the benchmark sending each request straight to one host's \`/api/chat\` by round robin or by random choice (as Open WebUI does), Ollama queueing per model, FIFO.`,
    '',
    `Ideal = the makespan lower bound of the trace, ${(idealMs / 1000).toFixed(2)} s: the largest of (last arrival + its reply), (t + work arriving after t / ${FLEET_SLOTS} fleet slots) and (t + one model's work arriving after t / its ${MODEL_SLOTS} slots) over all t, with no model load ever and no limit on which models share a host; throughput % of ideal = that bound / the measured makespan (first arrival to last answer). Loads = \`model_loaded\` events on the hosts' control planes, including the first load of each model (cold start). Latency = send to last byte.`,
    '',
    '| strategy | makespan | throughput | % of ideal | model loads | evictions | p50 latency | p95 latency | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.name} | ${(r.makespanMs / 1000).toFixed(2)} s | ${(r.latenciesMs.length / (r.makespanMs / 1000)).toFixed(1)} req/s | ${((100 * idealMs) / r.makespanMs).toFixed(1)} % | ${r.loads} | ${r.evictions} | ${percentile(r.latenciesMs, 50).toFixed(0)} ms | ${percentile(r.latenciesMs, 95).toFixed(0)} ms | ${r.errors.length} |`,
    );
  }
  const [corral, rr, random] = results as [StrategyResult, StrategyResult, StrategyResult];
  for (const r of results)
    if (r.errors.length > 0) lines.push('', `${r.name} errors (first 3): ${r.errors.slice(0, 3).join('; ')}`);
  const placement = placementOf(corral, trace);
  lines.push(
    '',
    `Where Corral placed the models (hosts whose \`model_loaded\` events name it), and how busy that kept the model's slots over the ${SECONDS} s of arrivals:`,
    '',
    '| model | share of work | loaded on | its slots | slots busy | p50 latency | p95 latency |',
    '|---|---:|---|---:|---:|---:|---:|',
    ...placement.map(
      (p) =>
        `| ${p.model} | ${p.sharePct.toFixed(0)} % | ${p.hosts.join(', ') || '—'} | ${p.slots} | ${p.busyPct.toFixed(0)} % | ${p.p50.toFixed(0)} ms | ${p.p95.toFixed(0)} ms |`,
    ),
  );
  const pct = (100 * idealMs) / corral.makespanMs;
  const throughputOk = pct >= 98 && corral.errors.length === 0;
  const loadRatio = corral.loads / rr.loads;
  const loadsOk = loadRatio <= 0.5;
  const bestFixed = bestFixedPlacementBusyPct(trace);
  const throughputLine = throughputOk
    ? `Throughput ≥ 98 % of ideal — met (${pct.toFixed(1)} %, ${(pct - 98).toFixed(1)} points over).`
    : `Throughput ≥ 98 % of ideal — **missed** (${pct.toFixed(1)} %, ${(98 - pct).toFixed(1)} points short${corral.errors.length ? `, ${corral.errors.length} errors` : ''}). ${whyMissed(corral, placement, idealMs, coldMs, bestFixed)}`;
  lines.push(
    '',
    `${throughputLine} Model loads ≤ 0.5 × round robin — ${verdict(loadsOk)} (${corral.loads} vs ${rr.loads}: ${loadRatio.toFixed(2)} ×${loadsOk ? '' : `, ${(loadRatio / 0.5).toFixed(1)} × the allowed number`}; random: ${random.loads}). p95 latency: Corral ${percentile(corral.latenciesMs, 95).toFixed(0)} ms, round robin ${percentile(rr.latenciesMs, 95).toFixed(0)} ms, random ${percentile(random.latenciesMs, 95).toFixed(0)} ms.`,
  );
  return {
    lines,
    verdicts: `throughput ${verdict(throughputOk)} (${pct.toFixed(1)} %), loads ${verdict(loadsOk)} (${loadRatio.toFixed(2)} × round robin)`,
  };
}

/**
 * Why Corral's makespan is over the bound, from what this run measured: the last answer, where
 * the models were, the best any fixed placement could do, and what the cold start accounts for.
 */
function whyMissed(
  corral: StrategyResult,
  placement: readonly Placement[],
  idealMs: number,
  coldMs: number,
  bestFixedPct: number,
): string {
  const last = corral.answered.reduce((a, b) => (b.endMs > a.endMs ? b : a));
  const busiest = placement.reduce((a, b) => (b.busyPct > a.busyPct ? b : a));
  const moved =
    corral.evictions === 0
      ? `kept the placement it chose at the start (${corral.loads} loads, no eviction)`
      : `moved models while serving (${corral.loads} loads, ${corral.evictions} evictions)`;
  const cold =
    coldMs - idealMs < 1
      ? `The cold start is not the cause: the bound with each model's first load counted is the same, ${(coldMs / 1000).toFixed(2)} s.`
      : `The cold start accounts for ${((coldMs - idealMs) / 1000).toFixed(2)} s of it (the bound with each model's first load counted is ${(coldMs / 1000).toFixed(2)} s).`;
  return [
    `The last answer (${last.arrival.model}, sent at ${(last.arrival.atMs / 1000).toFixed(2)} s, ${last.latencyMs.toFixed(0)} ms for a ${last.arrival.serviceMs} ms reply) came ${((corral.makespanMs - idealMs) / 1000).toFixed(2)} s after the bound.`,
    `The bound lets any model use all ${MODEL_SLOTS} of its slots at any moment, for free; Corral ${moved}, so each model queued on its own few slots: the busiest, ${busiest.model}, kept its ${busiest.slots} slots ${busiest.busyPct.toFixed(0)} % busy (p95 latency ${busiest.p95.toFixed(0)} ms for ${MEAN_SERVICE_MS} ms replies on average).`,
    busiest.busyPct <= bestFixedPct + 0.5
      ? `With at most ${MAX_LOADED} models per host, no fixed placement does better on this trace's mix (the best keeps its busiest model ${bestFixedPct.toFixed(0)} % busy); getting closer to the bound means moving a busy model onto another host while its queue is long, at the price of a load and an eviction each time.`
      : `A better fixed placement exists for this trace's mix (its busiest model ${bestFixedPct.toFixed(0)} % busy), and moving a busy model onto another host while its queue is long would get closer still, at the price of a load and an eviction each time.`,
    cold,
  ].join(' ');
}

/**
 * The busiest model's share of its slots under the best fixed placement: each model on 1 to HOSTS
 * hosts, HOSTS × MAX_LOADED placements in all (any such split fits, distinct models per host).
 */
function bestFixedPlacementBusyPct(trace: readonly Arrival[]): number {
  const work = MODELS.map(({ name }) =>
    trace.filter((a) => a.model === name).reduce((s, a) => s + a.serviceMs, 0),
  );
  let best = Number.POSITIVE_INFINITY;
  const visit = (i: number, left: number, worst: number): void => {
    if (i === MODELS.length) {
      if (left === 0) best = Math.min(best, worst);
      return;
    }
    for (let hosts = 1; hosts <= Math.min(HOSTS, left); hosts++) {
      const busy = (100 * (work[i] ?? 0)) / (hosts * PARALLEL * SECONDS * 1000);
      visit(i + 1, left - hosts, Math.max(worst, busy));
    }
  };
  visit(0, HOSTS * MAX_LOADED, 0);
  return best;
}

interface Placement {
  model: string;
  sharePct: number;
  hosts: string[];
  slots: number;
  /** The model's work over the arrival window, as a share of the slots it had. */
  busyPct: number;
  p50: number;
  p95: number;
}

/** Per model: which hosts a strategy loaded it on, and what that meant for its slots and latency. */
function placementOf(r: StrategyResult, trace: readonly Arrival[]): Placement[] {
  const totalWork = trace.reduce((s, a) => s + a.serviceMs, 0);
  return MODELS.map(({ name }) => {
    const work = trace.filter((a) => a.model === name).reduce((s, a) => s + a.serviceMs, 0);
    const hosts = r.loadedBy.flatMap((models, i) => (models.includes(name) ? [`host-${i + 1}`] : []));
    const slots = hosts.length * PARALLEL;
    const latencies = r.answered.filter((x) => x.arrival.model === name).map((x) => x.latencyMs);
    return {
      model: name,
      sharePct: (100 * work) / totalWork,
      hosts,
      slots,
      busyPct: slots === 0 ? NaN : (100 * work) / (slots * SECONDS * 1000),
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// (b) Fallback: fraction of a burst within the wait bound, without and with the cloud

interface FallbackResult {
  enabled: boolean;
  /** Burst requests answered, from the gateway's usage rows. */
  rows: Array<{ waitMs: number; cloud: boolean }>;
  waitsMs: number[];
  cloud: number;
  /** Why burst requests went to the cloud (the gateway's `fallback` events), by reason. */
  reasons: Map<string, number>;
  costUsd: number;
  latenciesMs: number[];
  errors: string[];
}

async function fallbackRun(
  enabled: boolean,
  warmup: readonly Arrival[],
  burst: readonly Arrival[],
): Promise<FallbackResult> {
  const hosts = await startHosts();
  // The cloud: fast, and as parallel as an API is for one customer.
  const cloud = await createEmulator({
    models: [CLOUD_MODEL],
    tps: 4 * TPS,
    parallel: 64,
    loadMs: 0,
    slowdown: 0,
  });
  const gateway = await startGateway(hosts, {
    fallback: {
      enabled,
      baseUrl: cloud.url,
      apiKey: 'sk-bench',
      maxWaitMs: BOUND_MS,
      models: Object.fromEntries(MODELS.map((m) => [m.name, CLOUD_MODEL])),
      tenants: ['*'],
      // Claude Haiku 4.5 list prices (US dollars per million tokens).
      prices: { [CLOUD_MODEL]: { inputPerMTok: 1, outputPerMTok: 5 } },
    },
  });
  const ids = new Set(burst.map((a) => a.id));
  const reasons = new Map<string, number>();
  gateway.corral.gateway.events.on('fallback', (e) => {
    if (ids.has(e.id)) reasons.set(e.reason, (reasons.get(e.reason) ?? 0) + 1);
  });
  try {
    const send = viaGateway(gateway.url);
    // Warm-up at moderate load: models placed, speeds measured, the ETA has history. Then the burst.
    await replay(warmup, send);
    const run = await replay(burst, send);
    await gateway.corral.metering.drain();
    const rows = (
      await gateway.corral.store.listUsage({ from: 0, to: Date.now() + 60_000, limit: 100_000 })
    ).filter((r) => ids.has(r.requestId) && r.status === 'ok');
    return {
      enabled,
      rows: rows.map((r) => ({ waitMs: r.queueWaitMs, cloud: r.isCloud })),
      waitsMs: rows.map((r) => r.queueWaitMs),
      cloud: rows.filter((r) => r.isCloud).length,
      reasons,
      costUsd: rows.reduce((s, r) => s + (r.costUsd ?? 0), 0),
      latenciesMs: run.latenciesMs,
      errors: run.errors,
    };
  } finally {
    await gateway.close();
    await Promise.all([...hosts, cloud].map((h) => h.close()));
  }
}

async function fallbackBench(): Promise<{ lines: string[]; verdicts: string }> {
  const warmup = makeTrace('warm', (0.5 * FLEET_SLOTS * 1000) / MEAN_SERVICE_MS, 2, SEED + 2);
  const burst = makeTrace('burst', BURST, 1, SEED + 3);
  const capacity = (FLEET_SLOTS * 1000) / MEAN_SERVICE_MS;
  const off = await fallbackRun(false, warmup, burst);
  const on = await fallbackRun(true, warmup, burst);
  const within = (r: FallbackResult) =>
    r.waitsMs.filter((w) => w <= BOUND_MS).length / Math.max(1, burst.length);
  const lines = [
    `**(b) Cloud fallback.** Fresh copies of the ${HOSTS} hosts behind Corral; a 2 s warm-up at 50 % load (${warmup.length} requests: models placed, speeds and the ETA learned), then a burst of ${burst.length} requests in 1 s from the same 10 tenants, ≈ ${(burst.length / capacity).toFixed(1)} × what the fleet serves in a second (${capacity.toFixed(0)} req/s with every slot busy). Bound: queue wait ≤ ${BOUND_MS} ms, as the gateway's usage rows record it (enqueue to dispatch; a request sent to the cloud stops waiting when it is sent). With fallback on (\`maxWaitMs ${BOUND_MS}\`, every model mapped to \`${CLOUD_MODEL}\`, tenants \`*\`), a fourth emulator serves Anthropic's \`/v1/messages\` at ${4 * TPS} tokens/s; the same two traces in both runs, fresh hosts for each.`,
    '',
    '| fallback | burst requests | within bound | sent to cloud | p50 wait | p95 wait | max wait | p95 latency | cloud cost | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of [off, on]) {
    lines.push(
      `| ${r.enabled ? 'on' : 'off'} | ${burst.length} | ${(100 * within(r)).toFixed(1)} % | ${r.cloud} (${((100 * r.cloud) / Math.max(1, burst.length)).toFixed(0)} %) | ${percentile(r.waitsMs, 50).toFixed(0)} ms | ${percentile(r.waitsMs, 95).toFixed(0)} ms | ${Math.max(0, ...r.waitsMs).toFixed(0)} ms | ${percentile(r.latenciesMs, 95).toFixed(0)} ms | $${r.costUsd.toFixed(4)} | ${r.errors.length} |`,
    );
  }
  for (const r of [off, on])
    if (r.errors.length > 0)
      lines.push(
        '',
        `fallback ${r.enabled ? 'on' : 'off'} errors (first 3): ${r.errors.slice(0, 3).join('; ')}`,
      );
  // With fallback on, a request still waiting at the bound leaves on a timer set to the bound, so
  // it is recorded a millisecond or two past it: say so rather than hide it with a tolerance.
  const over = on.rows.filter((r) => r.waitMs > BOUND_MS);
  const overNote =
    over.length === 0
      ? ''
      : ` The ${over.length} over the bound with fallback on ${over.length === 1 ? 'was' : 'were'} late by at most ${Math.max(...over.map((r) => r.waitMs)) - BOUND_MS} ms (${over.filter((r) => r.cloud).length} of them sent to the cloud when the wait timer, set to the bound, fired; waits are recorded in whole ms).`;
  const why = [...on.reasons].map(([reason, n]) => `${n} \`${reason}\``).join(', ');
  lines.push(
    '',
    `Within the ${BOUND_MS} ms bound: ${(100 * within(off)).toFixed(1)} % of the burst without fallback, ${(100 * within(on)).toFixed(1)} % with it; ${on.cloud} of ${burst.length} requests went to the cloud (${why || 'none'}).${overNote}`,
  );
  return {
    lines,
    verdicts: `fallback ${(100 * within(off)).toFixed(1)} % → ${(100 * within(on)).toFixed(1)} % within ${BOUND_MS} ms`,
  };
}

// ---------------------------------------------------------------------------------------------

const started = performance.now();
const a = await routingBench();
const b = await fallbackBench();
emitSection('Fleet routing and cloud fallback (bench/fleet.ts)', [
  ...a.lines,
  '',
  ...b.lines,
  '',
  `Targets: ${a.verdicts}; ${b.verdicts}. Run took ${((performance.now() - started) / 1000).toFixed(0)} s.`,
]);
