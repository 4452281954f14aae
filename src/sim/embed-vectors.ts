import { hashString, makeRng } from './generate-text.js';

/**
 * Deterministic embeddings (§2.4): each word adds a pseudo-random ±1 pattern to the vector, so the
 * same text always gives the same vector and texts sharing words point in similar directions.
 */
export function rawEmbedding(text: string, dims: number): number[] {
  const v = new Array<number>(dims).fill(0);
  const words = text
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');
  if (words.length === 0) words.push('');
  for (const w of words) {
    const rng = makeRng(hashString(w));
    for (let i = 0; i < dims; i++) v[i] = (v[i] ?? 0) + (rng() - 0.5);
  }
  return v;
}

/** Cuts to `dimensions` (when given and smaller) and L2-normalises, as /api/embed does. */
export function normalizeEmbedding(v: number[], dimensions?: number): number[] {
  const cut =
    dimensions !== undefined && dimensions > 0 && dimensions < v.length ? v.slice(0, dimensions) : v;
  let sum = 0;
  for (const x of cut) sum += x * x;
  const norm = Math.sqrt(sum);
  return norm === 0 ? cut : cut.map((x) => x / norm);
}
