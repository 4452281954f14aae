import { describe, expect, it } from 'vitest';
import { IndexedHeap } from './indexed-heap.js';
import type { HeapHandle } from './indexed-heap.js';
import { OrderTree } from './order-tree.js';

interface Item {
  key: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
}

/** Deterministic pseudo-random integers in [0, n). */
function rng(seed: number): (n: number) => number {
  let x = seed;
  return (n) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x % n;
  };
}

describe('OrderTree and IndexedHeap against a sorted array', () => {
  it('agree on rank, prefix sums, first and min through random inserts, deletes and re-keys', () => {
    const tree = new OrderTree<Item>((a, b) => a.key - b.key);
    const heap = new IndexedHeap<Item>((a, b) => a.key < b.key);
    const handles = new Map<Item, HeapHandle<Item>>();
    const live: Item[] = [];
    const random = rng(7);
    const keys = new Set<number>();
    const freshKey = (): number => {
      let k = random(1_000_000);
      while (keys.has(k)) k = random(1_000_000);
      keys.add(k);
      return k;
    };
    for (let step = 0; step < 4_000; step++) {
      const op = random(10);
      const victim = live[random(Math.max(1, live.length))];
      if (op < 5 || !victim) {
        const item = { key: freshKey(), promptTokens: random(100), outputTokens: random(50) };
        tree.insert(item);
        handles.set(item, heap.push(item));
        live.push(item);
      } else if (op < 8) {
        expect(tree.delete(victim)).toBe(true);
        heap.remove(handles.get(victim) ?? expect.fail('no handle'));
        live.splice(live.indexOf(victim), 1);
      } else {
        // Re-key the way aging does: out of the tree, change, back in; heap re-sorted in place.
        tree.delete(victim);
        victim.key = freshKey();
        tree.insert(victim);
        heap.update(handles.get(victim) ?? expect.fail('no handle'));
      }
      const sorted = [...live].sort((a, b) => a.key - b.key);
      expect(tree.size).toBe(sorted.length);
      expect(heap.peek()).toBe(sorted[0]);
      expect(tree.first()).toBe(sorted[0]);
      const probe = sorted[random(Math.max(1, sorted.length))];
      if (!probe) continue;
      const at = sorted.indexOf(probe);
      const before = sorted.slice(0, at);
      expect(tree.rank(probe)).toBe(at + 1);
      expect(tree.prefix(probe)).toEqual({
        count: at,
        promptTokens: before.reduce((s, i) => s + i.promptTokens, 0),
        outputTokens: before.reduce((s, i) => s + i.outputTokens, 0),
      });
    }
  });
});
