/**
 * `npm run bench`: every benchmark in sequence, each in its own process (so one's memory and
 * warm JIT do not colour the next): proxy overhead, scheduler cost at 10,000 queued, fairness
 * and ETA, fleet routing and cloud fallback (`BENCH_FLEET_SECONDS`, `BENCH_FLEET_LOAD`,
 * `BENCH_FLEET_BURST`), and cancellation latency for all three protocols (`BENCH_CANCEL_ROUNDS`). Arguments (`--record`) are passed through; so is the environment (`BENCH_SECONDS`,
 * `BENCH_REQUESTS`, `BENCH_PROTOCOLS`, `BENCH_ROUNDS`, `BENCH_FAIRNESS_ROUNDS`, `BENCH_ETA_SECONDS`).
 *
 *   npm run bench                  all of them
 *   npm run bench -- --record      and append each section to bench/RESULTS.md
 *   npm run bench -- --only fairness,scheduler
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const BENCHES = [
  { name: 'proxy-overhead', file: 'proxy-overhead.ts', nodeFlags: [] },
  { name: 'scheduler', file: 'scheduler.ts', nodeFlags: ['--expose-gc'] },
  { name: 'fairness', file: 'fairness.ts', nodeFlags: [] },
  { name: 'fleet', file: 'fleet.ts', nodeFlags: [] },
  { name: 'cancellation', file: 'cancellation.ts', nodeFlags: [] },
] as const;

const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set((args[onlyAt + 1] ?? '').split(',')) : undefined;
const passed = onlyAt >= 0 ? args.filter((_, i) => i !== onlyAt && i !== onlyAt + 1) : args;
const tsx = createRequire(import.meta.url).resolve('tsx/cli');

let failed = 0;
for (const bench of BENCHES) {
  if (only && !only.has(bench.name)) continue;
  console.log(`\n=== bench/${bench.file} ===`);
  const file = fileURLToPath(new URL(`./${bench.file}`, import.meta.url));
  const result = spawnSync(process.execPath, [tsx, ...bench.nodeFlags, file, ...passed], {
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    failed++;
    console.error(`bench/${bench.file} failed (${result.status ?? result.signal})`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
