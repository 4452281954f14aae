/**
 * Cancellation (DESIGN.md §6): "upstream aborted ≤ 100 ms after client disconnect, for all three
 * protocols, streamed or not, queued or in flight".
 *
 * The gateway (createCorral, fair policy, `maxParallel 1`) runs in this process in front of the
 * in-process emulator (1 slot), both on 127.0.0.1 (test/helpers/stack.ts). For each protocol
 * (Ollama /api/chat, Anthropic /v1/messages, OpenAI /v1/chat/completions) × streamed or not ×
 * in flight or queued, a client request is aborted with its AbortController and the clock runs
 * from `abort()` to the moment the upstream side learned of it:
 *
 * - in flight: the emulator's `request_aborted` control event (the upstream call was cancelled
 *   and its slot freed). Non-streamed requests hang on the emulator (`[[sim:hang]]`) and are
 *   aborted once the emulator reports `request_started`; streamed ones generate slowly
 *   (`[[sim:long …]] [[sim:slow 20]]`) and are aborted mid-stream, after the client read its
 *   first body chunk;
 * - queued: another request holds the only slot (`[[sim:hold]]`); the request waits in the
 *   gateway's queue and is aborted once the scheduler reports it `queued`; the clock stops at the
 *   scheduler's `cancelled` event (the job left the queue). After the holder is released, the
 *   emulator must not have started any of the cancelled requests.
 *
 * Both clocks read `performance.now()` inside the event listeners, on the same process clock as
 * the abort. The gateway's own `cancelled` event is recorded for in-flight requests too (when the
 * gateway noticed the disconnect), to tell detection from propagation.
 *
 *   npx tsx bench/cancellation.ts [--record]
 *
 * BENCH_CANCEL_ROUNDS (default 30) measured aborts per case, after 3 unmeasured warm-up aborts.
 */
import type { Stack } from '../test/helpers/stack.js';
import { startStack } from '../test/helpers/stack.js';
import { emitSection, percentile, verdict } from './lib/report.js';

const ROUNDS = Number(process.env.BENCH_CANCEL_ROUNDS ?? 30);
const WARMUP = 3;
const TARGET_MS = 100;
/** Longest wait for any event before a sample counts as lost (and the target as missed). */
const TIMEOUT_MS = 2_000;
/** Streamed in-flight requests: 20 ms per token, far more tokens than a round lasts. */
const SLOW_MS = 20;
const MODEL = 'llama3.2';

type Protocol = 'ollama' | 'anthropic' | 'openai';
type Phase = 'in flight' | 'queued';

const PROTOCOLS: ReadonlyArray<{ name: Protocol; label: string; path: string }> = [
  { name: 'ollama', label: 'Ollama /api/chat', path: '/api/chat' },
  { name: 'anthropic', label: 'Anthropic /v1/messages', path: '/v1/messages' },
  { name: 'openai', label: 'OpenAI /v1/chat/completions', path: '/v1/chat/completions' },
];

function body(protocol: Protocol, stream: boolean, content: string): string {
  const messages = [{ role: 'user', content }];
  if (protocol === 'ollama') return JSON.stringify({ model: MODEL, stream, messages });
  return JSON.stringify({ model: MODEL, stream, max_tokens: 4096, messages });
}

function send(s: Stack, path: string, payload: string, id: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${s.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': id, 'x-corral-user': 'bench' },
    body: payload,
    ...(signal ? { signal } : {}),
  });
}

/**
 * Subscribes now (before acting) and resolves with `performance.now()` read inside the listener
 * when `subscribe` reports a match, or with NaN after TIMEOUT_MS. `cancel()` unsubscribes.
 */
function timeOf(subscribe: (hit: () => void) => () => void): { at: Promise<number>; cancel(): void } {
  let off: () => void = () => {};
  let timer: NodeJS.Timeout | undefined;
  let settle: (t: number) => void = () => {};
  const at = new Promise<number>((resolve) => {
    settle = (t) => {
      off();
      clearTimeout(timer);
      resolve(t);
    };
    off = subscribe(() => settle(performance.now()));
    timer = setTimeout(() => settle(Number.NaN), TIMEOUT_MS);
  });
  return { at, cancel: () => settle(Number.NaN) };
}

async function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), TIMEOUT_MS * 5);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface CaseResult {
  protocol: (typeof PROTOCOLS)[number];
  stream: boolean;
  phase: Phase;
  /** Abort to the upstream learning of it (ms); NaN = never within TIMEOUT_MS. */
  samples: number[];
  /** Abort to the gateway's scheduler `cancelled` event (in flight only; for queued = samples). */
  gatewaySamples: number[];
  /** Cancelled requests the emulator nevertheless started (queued only). */
  reachedUpstream: number;
  /** Samples where something looked wrong (wrong emulator phase, job dispatched, …). */
  anomalies: string[];
}

const schedulerCancelled = (s: Stack, id: string) =>
  timeOf((hit) => s.corral.scheduler.on('cancelled', (e) => e.jobId === id && hit()));

// ---------------------------------------------------------------------------------------------
// in flight: the request holds the emulator's slot when the client goes away

async function inFlightOnce(
  s: Stack,
  protocol: (typeof PROTOCOLS)[number],
  stream: boolean,
  id: string,
  out: CaseResult | undefined,
): Promise<void> {
  const sim = s.hosts[0]!;
  const content = stream ? `[[sim:long 100000]] [[sim:slow ${SLOW_MS}]] go` : '[[sim:hang]] go';
  const started = within(sim.control.waitFor('request_started'), `${id} to start upstream`);
  let upstreamId: string | undefined;
  let phaseSeen: string | undefined;
  const upstream = timeOf((hit) =>
    sim.control.on('request_aborted', (e) => {
      if (upstreamId !== undefined && e.id !== upstreamId) return;
      phaseSeen = e.phase;
      hit();
    }),
  );
  const gateway = schedulerCancelled(s, id);
  const controller = new AbortController();
  const response = send(s, protocol.path, body(protocol.name, stream, content), id, controller.signal);
  const settled = response.then(
    async (res) => {
      if (res.status !== 200) throw new Error(`${id}: status ${res.status}: ${await res.text()}`);
      return res;
    },
    () => undefined,
  );
  try {
    upstreamId = (await started).id;
    if (stream) {
      const res = await within(settled, `${id} response headers`);
      if (!res?.body) throw new Error(`${id}: no response body`);
      const first = await within(res.body.getReader().read(), `${id} first chunk`);
      if (first.done) throw new Error(`${id}: stream ended before the abort`);
    }
  } catch (err) {
    upstream.cancel();
    gateway.cancel();
    controller.abort();
    throw err;
  }
  const t0 = performance.now();
  controller.abort();
  const [tUpstream, tGateway] = await Promise.all([upstream.at, gateway.at]);
  await settled.catch(() => undefined);
  if (!out) return;
  out.samples.push(tUpstream - t0);
  out.gatewaySamples.push(tGateway - t0);
  if (phaseSeen !== undefined && phaseSeen !== 'generating')
    out.anomalies.push(`${id}: emulator saw the abort while ${phaseSeen}`);
}

// ---------------------------------------------------------------------------------------------
// queued: another request holds the only slot; the request waits in the gateway's queue

async function queuedOnce(
  s: Stack,
  protocol: (typeof PROTOCOLS)[number],
  stream: boolean,
  id: string,
  out: CaseResult | undefined,
): Promise<void> {
  const scheduler = s.corral.scheduler;
  const queued = within(
    new Promise<void>((resolve) => {
      const off = scheduler.on('queued', (e) => {
        if (e.jobId !== id) return;
        off();
        resolve();
      });
    }),
    `${id} to queue`,
  );
  const cancelled = schedulerCancelled(s, id);
  const controller = new AbortController();
  const response = send(s, protocol.path, body(protocol.name, stream, 'hello'), id, controller.signal);
  const settled = response.then(
    (res) => res.body?.cancel(),
    () => undefined,
  );
  try {
    await queued;
  } catch (err) {
    cancelled.cancel();
    controller.abort();
    throw err;
  }
  const t0 = performance.now();
  controller.abort();
  const t1 = await cancelled.at;
  await settled.catch(() => undefined);
  if (!out) return;
  out.samples.push(t1 - t0);
  out.gatewaySamples.push(t1 - t0);
  const job = scheduler.get(id);
  if (job?.state !== 'cancelled' || job.startedAtMs !== undefined)
    out.anomalies.push(`${id}: scheduler state ${job?.state ?? 'unknown'}`);
}

async function queuedCase(
  s: Stack,
  protocol: (typeof PROTOCOLS)[number],
  stream: boolean,
  result: CaseResult,
): Promise<void> {
  const sim = s.hosts[0]!;
  const tag = `q-${protocol.name}-${stream ? 's' : 'n'}`;
  // Every request the emulator queued or started during the case, by its own id.
  const seenUpstream = new Set<string>();
  const offStarted = sim.control.on('request_started', (e) => seenUpstream.add(e.id));
  const offQueued = sim.control.on('request_queued', (e) => seenUpstream.add(e.id));
  const held = within(sim.control.waitFor('request_held'), 'the holder to take the slot');
  const holder = send(s, '/api/chat', body('ollama', false, `[[sim:hold ${tag}]] hold`), `${tag}-holder`);
  let holderUpstreamId: string;
  try {
    holderUpstreamId = (await held).id;
    for (let i = 0; i < WARMUP + ROUNDS; i++)
      await queuedOnce(s, protocol, stream, `${tag}-${i}`, i < WARMUP ? undefined : result);
  } finally {
    sim.control.release(tag);
  }
  const res = await holder;
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`holder answered ${res.status}`);
  // The slot is free again: give a wrongly kept job every chance to be dispatched, then count.
  await new Promise((r) => setTimeout(r, 20));
  offStarted();
  offQueued();
  if (!seenUpstream.has(holderUpstreamId)) throw new Error(`${tag}: the holder was not seen starting`);
  seenUpstream.delete(holderUpstreamId);
  result.reachedUpstream = seenUpstream.size;
}

// ---------------------------------------------------------------------------------------------

async function runCase(
  s: Stack,
  protocol: (typeof PROTOCOLS)[number],
  stream: boolean,
  phase: Phase,
): Promise<CaseResult> {
  const result: CaseResult = {
    protocol,
    stream,
    phase,
    samples: [],
    gatewaySamples: [],
    reachedUpstream: 0,
    anomalies: [],
  };
  if (phase === 'queued') {
    await queuedCase(s, protocol, stream, result);
  } else {
    const tag = `f-${protocol.name}-${stream ? 's' : 'n'}`;
    for (let i = 0; i < WARMUP + ROUNDS; i++)
      await inFlightOnce(s, protocol, stream, `${tag}-${i}`, i < WARMUP ? undefined : result);
  }
  return result;
}

const fmt = (ms: number) => (Number.isFinite(ms) ? ms.toFixed(2) : 'lost');

function stats(samples: readonly number[]): { p50: number; p95: number; max: number; lost: number } {
  const ok = samples.filter((x) => Number.isFinite(x));
  const lost = samples.length - ok.length;
  return {
    p50: percentile(ok, 50),
    p95: percentile(ok, 95),
    max: lost > 0 ? Number.NaN : Math.max(...ok),
    lost,
  };
}

async function main(): Promise<void> {
  const began = performance.now();
  const s = await startStack({ hosts: [{ tps: 0, loadMs: 0, parallel: 1 }], maxParallel: 1 });
  const results: CaseResult[] = [];
  try {
    // Load the model and warm every route once.
    for (const protocol of PROTOCOLS) {
      const res = await send(s, protocol.path, body(protocol.name, false, 'hi'), `warm-${protocol.name}`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`warm-up ${protocol.path}: ${res.status}`);
    }
    for (const protocol of PROTOCOLS)
      for (const stream of [false, true])
        for (const phase of ['in flight', 'queued'] as const) {
          const r = await runCase(s, protocol, stream, phase);
          const st = stats(r.samples);
          console.error(
            `${protocol.label} ${stream ? 'streamed' : 'non-streamed'} ${phase}: p50 ${fmt(st.p50)} p95 ${fmt(st.p95)} max ${fmt(st.max)} ms`,
          );
          results.push(r);
        }
    const simStats = s.hosts[0]!.control.stats();
    if (Object.values(simStats.active).some((n) => n > 0) || s.corral.scheduler.snapshot().running > 0)
      console.error('warning: something still runs after the last case', simStats);
  } finally {
    await s.close();
  }
  report(results, (performance.now() - began) / 1000);
}

function report(results: CaseResult[], seconds: number): void {
  const lines = [
    `Gateway (fair policy, \`maxParallel 1\`) and the emulator (1 slot, instant model load) in one process on 127.0.0.1; the client is Node's fetch with an AbortController. ${ROUNDS} measured aborts per case after ${WARMUP} warm-up aborts. **In flight**: non-streamed requests hang on the emulator (\`[[sim:hang]]\`) and are aborted once it reports \`request_started\`; streamed ones are aborted mid-stream, after the client has read its first chunk (\`[[sim:slow ${SLOW_MS}]]\`); the clock stops at the emulator's \`request_aborted\` (upstream call cancelled, slot freed). **Queued**: a \`[[sim:hold]]\` request keeps the only slot, the request is aborted once the scheduler reports it \`queued\`, and the clock stops at the scheduler's \`cancelled\` event (the job left the queue); "reached upstream" counts cancelled requests the emulator started after the holder let go. Gateway noticed = abort to the scheduler's \`cancelled\` event. Times in ms from \`abort()\`.`,
    '',
    '| protocol | mode | state | upstream aborted p50 | p95 | max | gateway noticed p50 | reached upstream | target ≤ 100 ms |',
    '|---|---|---|---:|---:|---:|---:|---:|---|',
  ];
  let allMet = true;
  let worst = 0;
  for (const r of results) {
    const st = stats(r.samples);
    const gw = stats(r.gatewaySamples);
    const ok = st.lost === 0 && st.max <= TARGET_MS && r.reachedUpstream === 0 && r.anomalies.length === 0;
    allMet &&= ok;
    worst = Math.max(worst, Number.isFinite(st.max) ? st.max : Number.POSITIVE_INFINITY);
    lines.push(
      `| ${r.protocol.label} | ${r.stream ? 'streamed' : 'non-streamed'} | ${r.phase} | ${fmt(st.p50)} | ${fmt(st.p95)} | ${fmt(st.max)}${st.lost > 0 ? ` (${st.lost} lost)` : ''} | ${fmt(gw.p50)} | ${r.phase === 'queued' ? String(r.reachedUpstream) : '—'} | ${verdict(ok)} |`,
    );
  }
  const anomalies = results.flatMap((r) => r.anomalies);
  lines.push(
    '',
    `Target: upstream aborted ≤ ${TARGET_MS} ms after client disconnect in every sample of all 12 cases — ${verdict(allMet)} (worst ${fmt(worst)} ms).${anomalies.length > 0 ? ` Anomalies: ${anomalies.slice(0, 5).join('; ')}${anomalies.length > 5 ? ` (+${anomalies.length - 5} more)` : ''}.` : ''} Run took ${seconds.toFixed(0)} s.`,
  );
  emitSection('Cancellation (bench/cancellation.ts)', lines);
}

await main();
