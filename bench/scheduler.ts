/**
 * Scheduler cost at the size DESIGN.md §6 names: dispatch p99 with 10,000 requests queued, and the
 * heap they take. FIFO and the fair policy (with ETA) are measured in the same run.
 *
 *   npx tsx bench/scheduler.ts          (node --expose-gc makes the heap figure steadier)
 *
 * Each round: finish the running job (the scheduler picks and dispatches the next one: that call is
 * "dispatch"), submit a new job so 10,000 stay queued ("submit"), ask one waiting job's position
 * and ETA ("get"), and cancel and resubmit a random waiting job ("cancel").
 */
import { systemClock } from '../src/core/clock.js';
import { EtaEstimator, FairPolicy, Scheduler } from '../src/scheduler/index.js';
import type { SchedulerOptions } from '../src/scheduler/index.js';

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
  heapMb: number;
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
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
  const [dispatch, submit, get, cancel]: [number[], number[], number[], number[]] = [[], [], [], []];
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
  }
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
    heapMb,
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
console.log(
  `\nScheduler, ${QUEUED.toLocaleString('en')} queued, ${TENANTS} tenants, ${ROUNDS.toLocaleString('en')} rounds (times in ms)\n`,
);
console.log(
  '| policy | dispatch p50 | dispatch p99 | submit p99 | get p99 | cancel p99 | heap for 10k queued (MB) |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.policy} | ${ms(r.dispatchP50)} | ${ms(r.dispatchP99)} | ${ms(r.submitP99)} | ${ms(r.getP99)} | ${ms(r.cancelP99)} | ${r.heapMb.toFixed(1)} |`,
  );
}
console.log(`\nBar (DESIGN.md §6): dispatch p99 <= 1 ms with 10,000 queued.`);
