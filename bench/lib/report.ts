import { appendFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

/** `n` percentile (0-100) of samples, nearest rank; NaN with no samples. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? NaN;
}

export function mean(samples: readonly number[]): number {
  return samples.reduce((s, x) => s + x, 0) / Math.max(1, samples.length);
}

/** "met" / "**missed**" for a target line. */
export function verdict(ok: boolean): string {
  return ok ? 'met' : '**missed**';
}

/** The machine line every section starts with. */
export function machineLine(): string {
  const cores = cpus();
  return `Node ${process.version}, ${cores.length} × ${cores[0]?.model ?? 'cpu'}. Numbers come from a shared ${cores.length}-core machine (other work was running at the same time), so timings are noisier than on a dedicated host.`;
}

/**
 * Prints a markdown section headed `### title — date`, and appends it to bench/RESULTS.md when
 * the process was started with `--record`.
 */
export function emitSection(title: string, body: readonly string[]): void {
  const date = new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  const text = [`### ${title} — ${date}`, '', machineLine(), '', ...body, ''].join('\n');
  console.log(text);
  if (process.argv.includes('--record')) {
    appendFileSync(fileURLToPath(new URL('../RESULTS.md', import.meta.url)), '\n' + text);
    console.log('appended to bench/RESULTS.md');
  }
}

/** Deterministic uniform numbers in [0, 1). */
export function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}
