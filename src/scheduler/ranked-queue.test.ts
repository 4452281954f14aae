import { describe, expect, it } from 'vitest';
import { FenwickCounter } from './fenwick.js';
import { LinkedQueue } from './linked-queue.js';
import { RankedQueue } from './ranked-queue.js';
import type { RankedEntry } from './ranked-queue.js';

/** Small deterministic PRNG so failures reproduce (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('FenwickCounter', () => {
  it('builds from counts in O(n) with the same prefix sums as adding one by one', () => {
    const counts = [1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 1];
    const built = new FenwickCounter(counts.length, counts);
    const added = new FenwickCounter(counts.length);
    counts.forEach((c, i) => added.add(i, c));
    for (let i = -1; i < counts.length; i++) {
      const expected = counts.slice(0, i + 1).reduce((a, b) => a + b, 0);
      expect([built.prefix(i), added.prefix(i)]).toEqual([expected, expected]);
    }
  });
});

describe('LinkedQueue', () => {
  it('removes from the head, middle and tail, and twice without harm', () => {
    const q = new LinkedQueue<string>();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((v) => q.push(v));
    q.remove(b!);
    q.remove(b!);
    expect([...q]).toEqual(['a', 'c', 'd']);
    q.remove(a!);
    q.remove(d!);
    expect([...q, q.size, q.peek()]).toEqual(['c', 1, 'c']);
    q.remove(c!);
    expect([q.size, q.peek()]).toEqual([0, undefined]);
  });
});

describe('RankedQueue', () => {
  it('agrees with a plain array under random pushes and removals, across compactions', () => {
    const next = random(42);
    const queue = new RankedQueue<RankedEntry & { id: number }>();
    const model: Array<RankedEntry & { id: number }> = [];
    for (let step = 0; step < 5_000; step++) {
      if (model.length === 0 || next() < 0.55) {
        const entry = { id: step, slot: -1 };
        expect(queue.push(entry)).toBe(model.length + 1);
        model.push(entry);
      } else {
        const i = Math.floor(next() * model.length);
        const [entry] = model.splice(i, 1);
        expect(queue.remove(entry!)).toBe(i + 1);
      }
      if (step % 97 === 0) model.forEach((e, i) => expect(queue.rank(e)).toBe(i + 1));
    }
    expect(queue.size).toBe(model.length);
  });

  it('refuses to remove an entry twice', () => {
    const queue = new RankedQueue<RankedEntry>();
    const entry = { slot: -1 };
    queue.push(entry);
    queue.remove(entry);
    expect(() => queue.remove(entry)).toThrow(/not in this queue/);
  });
});
