/**
 * A Fenwick (binary indexed) tree of small non-negative counts over slots `0..capacity-1`.
 *
 * The FIFO policy stores a 1 for every live queue entry and a 0 for every slot whose entry has
 * left, so "how many live entries are at or before slot i" — a job's position — is one prefix
 * sum: O(log n), without walking the queue (the seed's `get_queue_position` walked it).
 *
 * Invariant: `#tree[i]` (1-based) holds the sum of the counts in slots `(i - lowbit(i), i]`.
 */
export class FenwickCounter {
  readonly #tree: Int32Array;

  /** Builds the tree from per-slot counts in O(n) (each node pushes its sum to its parent once). */
  constructor(capacity: number, counts?: ArrayLike<number>) {
    this.#tree = new Int32Array(capacity + 1);
    if (counts === undefined) return;
    for (let i = 1; i <= capacity; i++) {
      this.#tree[i] = (this.#tree[i] ?? 0) + (counts[i - 1] ?? 0);
      const parent = i + (i & -i);
      if (parent <= capacity) this.#tree[parent] = (this.#tree[parent] ?? 0) + (this.#tree[i] ?? 0);
    }
  }

  get capacity(): number {
    return this.#tree.length - 1;
  }

  /** Adds `delta` to the count of slot `index` (0-based). */
  add(index: number, delta: number): void {
    for (let i = index + 1; i < this.#tree.length; i += i & -i) this.#tree[i] = (this.#tree[i] ?? 0) + delta;
  }

  /** Sum of the counts of slots `0..index` inclusive (0 when index < 0). */
  prefix(index: number): number {
    let sum = 0;
    for (let i = Math.min(index + 1, this.capacity); i > 0; i -= i & -i) sum += this.#tree[i] ?? 0;
    return sum;
  }
}
