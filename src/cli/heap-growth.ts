import { setFlagsFromString } from 'node:v8';

/** Old generation allowed between full collections: 1.5 × what survived the last one. */
export const HEAP_GROWING_PERCENT = 50;

/**
 * Bounds how far V8 lets the heap grow between full collections. By default the old generation
 * may grow to about 4 × what survived the last full collection when collections are cheap, and a
 * gateway's live set is small (≈ 30 MB) while every request promotes a little garbage: under load
 * the heap reached ≈ 150 MB, two thirds of it dead, and RSS 220 MB (bench/RESULTS.md, proxy
 * overhead). At 1.5 × the collections stay short (incremental marking of a small live set) and
 * the heap stays near its live size. The factor is read at every collection, so setting it here,
 * before the gateway starts, works like the command-line flag; `node --heap-growing-percent=N`
 * wins (Node refuses the flag in `NODE_OPTIONS`, so the command line is the only other place).
 */
export function limitHeapGrowth(percent = HEAP_GROWING_PERCENT): void {
  if (process.execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg))) return;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
