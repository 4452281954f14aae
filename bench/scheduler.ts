/**
 * Scheduler cost at the size DESIGN.md §6 names: dispatch p99 with 10,000 requests queued, and the
 * heap they take. FIFO and the fair policy (with ETA) are measured in the same run.
 *
 *   npx tsx --expose-gc bench/scheduler.ts [--record]   (without --expose-gc, heap and RSS
 *                                                        include garbage)
 *
 * Each round: finish the running job (the scheduler picks and dispatches the next one: that call is
 * "dispatch"), submit a new job so 10,000 stay queued ("submit"), ask one waiting job's position
 * and ETA ("get"), and cancel and resubmit a random waiting job ("cancel"). Each round also
 * reads `snapshot()` once every 100 rounds, as a status page or a metrics scrape would.
 *
 * RSS is the whole benchmark process (Node itself, tsx, and the scheduler with 10,000 queued),
 * read right after the queue is filled and at the end of the run.
 */
import { readFileSync } from 'node:fs';
import { systemClock } from '../src/core/clock.js';
import { EtaEstimator, FairPolicy, Scheduler } from '../src/scheduler/index.js';
import type { SchedulerOptions } from '../src/scheduler/index.js';
import { emitSection, verdict } from './lib/report.js';

const QUEUED = 10_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20_000);
const TENANTS = 100;

interface Row {
  policy: string;
  dispatchP50: number;
  dispatchP99: number;
  submitP99: number;
  getP99: number;
  cancelP99: number;
  snapshotP50: number;
  heapMb: number;
  rssMb: number;
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

const rssAtStartMb = process.memoryUsage().rss / 2 ** 20;
const hasGc = typeof (globalThis as { gc?: () => void }).gc === 'function';

function peakRss(): string {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? (Number(match[1]) / 1024).toFixed(0) : '?';
  } catch {
    return '?';
  }
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect) collect();
}

function timed(samples: number[], fn: () => void): void {
  const t0 = performance.now();
  fn();
  samples.push(performance.now() - t0);
}

function spec(i: number) {
  const classes = ['interactive', 'default', 'batch'] as const;
  return {
    id: `j${i}`,
    model: 'm',
    tenant: `t${i % TENANTS}`,
    priority: classes[i % 3],
    promptTokens: 200 + (i % 50),
    expectedOutputTokens: 200,
    backends: ['b1'],
  };
}

function run(policy: string, make: () => SchedulerOptions): Row {
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const s = new Scheduler(make(), systemClock);
  let next = 0;
  let running = '';
  for (; next <= QUEUED; next++) {
    const d = s.submit(spec(next));
    if (d.type === 'dispatch') running = d.jobId;
  }
  gc();
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  let rssMb = process.memoryUsage().rss / 2 ** 20; // after the gc() above, when --expose-gc
  const [dispatch, submit, get, cancel]: [number[], number[], number[], number[]] = [[], [], [], []];
  const snapshots: number[] = [];
  let seed = 1;
  for (let r = 0; r < ROUNDS; r++) {
    timed(dispatch, () => {
      const started = s.finish(running, 'done')[0]?.jobId;
      if (started === undefined) throw new Error(`finishing ${running} dispatched nothing`);
      running = started;
    });
    timed(submit, () => s.submit(spec(next++)));
    seed = (seed * 48271) % 2147483647;
    const victim = `j${next - 1 - (seed % (QUEUED - 1))}`;
    timed(get, () => s.get(victim));
    if (victim === running) continue;
    timed(cancel, () => s.cancel(victim, 'cancelled'));
    s.submit(spec(next++));
    if (r % 100 === 0) timed(snapshots, () => s.snapshot());
  }
  gc();
  rssMb = Math.max(rssMb, process.memoryUsage().rss / 2 ** 20);
  if (s.queued < QUEUED || s.running !== 1)
    throw new Error(`${s.queued} queued, ${s.running} running at the end`);
  if (dispatch.length !== ROUNDS) throw new Error('a round did not dispatch');
  return {
    policy,
    dispatchP50: percentile(dispatch, 0.5),
    dispatchP99: percentile(dispatch, 0.99),
    submitP99: percentile(submit, 0.99),
    getP99: percentile(get, 0.99),
    cancelP99: percentile(cancel, 0.99),
    snapshotP50: percentile(snapshots, 0.5),
    heapMb,
    rssMb,
  };
}

const rows = [
  run('fifo', () => ({ maxQueued: 100_000 })),
  run('fair (WFQ + classes + aging)', () => ({
    maxQueued: 100_000,
    policy: new FairPolicy({}, systemClock),
  })),
  // Worst case for aging: promotions due all the time (every job is promoted during the run).
  run('fair, agingMs 5', () => ({
    maxQueued: 100_000,
    policy: new FairPolicy({ agingMs: 5 }, systemClock),
  })),
  run('fair + ETA', () => ({
    maxQueued: 100_000,
    policy: new FairPolicy({}, systemClock),
    eta: new EtaEstimator(systemClock),
  })),
];
const ms = (v: number): string => v.toFixed(4);
const dispatchOk = rows.every((r) => r.dispatchP99 <= 1);
const cancelOk = rows.every((r) => r.cancelP99 <= 1);
const rssOk = rows.every((r) => r.rssMb <= 200);
emitSection('Scheduler at 10,000 queued (bench/scheduler.ts)', [
  `**(c)** ${QUEUED.toLocaleString('en')} requests kept queued, ${TENANTS} tenants, three priority classes, ${ROUNDS.toLocaleString('en')} rounds per policy (in-process, times in ms). A round: finish the running job (the call that dispatches the next one), submit one, \`get\` a random waiting job (position + ETA), cancel a random waiting job and submit a replacement; \`snapshot()\` every 100 rounds. Heap = heap used by the 10,000 queued jobs; RSS = the whole benchmark process (Node, tsx and the scheduler), the higher of two readings taken after a full GC: with 10,000 queued, and at the end of the rounds. ${hasGc ? 'Run with --expose-gc.' : 'Run **without** --expose-gc: heap and RSS include uncollected garbage.'} Process RSS before any scheduler existed: ${rssAtStartMb.toFixed(0)} MB. Peak RSS of the process over the whole run (all four policies, garbage included): ${peakRss()} MB.`,
  '',
  '| policy | dispatch p50 | dispatch p99 | submit p99 | get p99 | cancel p99 | snapshot p50 | heap for 10k queued (MB) | process RSS (MB) |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.policy} | ${ms(r.dispatchP50)} | ${ms(r.dispatchP99)} | ${ms(r.submitP99)} | ${ms(r.getP99)} | ${ms(r.cancelP99)} | ${ms(r.snapshotP50)} | ${r.heapMb.toFixed(1)} | ${r.rssMb.toFixed(0)} |`,
  ),
  '',
  `Targets (every policy row): dispatch p99 ≤ 1 ms — ${verdict(dispatchOk)}; cancel p99 ≤ 1 ms — ${verdict(cancelOk)}; RSS ≤ 200 MB — ${verdict(rssOk)}.`,
]);
