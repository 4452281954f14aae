/** A slot in an `IndexedHeap`: the owner keeps it to remove or re-key the value in O(log n). */
export interface HeapHandle<T> {
  readonly value: T;
  /** Index in the heap array; -1 once removed, so a second removal is a no-op. */
  index: number;
}

/**
 * A binary min-heap whose entries know their index, so `remove` and `update` (after the owner
 * changed a value's key) are O(log n) instead of a linear search.
 *
 * Invariant: `#items[i].index === i` for every i, and no item is `less` than its parent.
 */
export class IndexedHeap<T> {
  readonly #items: Array<HeapHandle<T>> = [];
  readonly #less: (a: T, b: T) => boolean;

  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less;
  }

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0]?.value;
  }

  push(value: T): HeapHandle<T> {
    const handle: HeapHandle<T> = { value, index: this.#items.length };
    this.#items.push(handle);
    this.#up(handle.index);
    return handle;
  }

  remove(handle: HeapHandle<T>): void {
    const i = handle.index;
    if (i < 0 || this.#items[i] !== handle) return;
    const last = this.#items.pop();
    handle.index = -1;
    if (last === undefined || last === handle) return;
    this.#items[i] = last;
    last.index = i;
    this.#update(i);
  }

  /** Restores order after the key of `handle.value` changed (either way). */
  update(handle: HeapHandle<T>): void {
    if (handle.index >= 0 && this.#items[handle.index] === handle) this.#update(handle.index);
  }

  #update(i: number): void {
    if (this.#up(i) === i) this.#down(i);
  }

  #up(start: number): number {
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#lessAt(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
    return i;
  }

  #down(start: number): void {
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      let best = i;
      if (left < this.#items.length && this.#lessAt(left, best)) best = left;
      if (left + 1 < this.#items.length && this.#lessAt(left + 1, best)) best = left + 1;
      if (best === i) return;
      this.#swap(i, best);
      i = best;
    }
  }

  #lessAt(a: number, b: number): boolean {
    const x = this.#items[a];
    const y = this.#items[b];
    return x !== undefined && y !== undefined && this.#less(x.value, y.value);
  }

  #swap(a: number, b: number): void {
    const x = this.#items[a];
    const y = this.#items[b];
    if (x === undefined || y === undefined) return;
    this.#items[a] = y;
    this.#items[b] = x;
    x.index = b;
    y.index = a;
  }
}
