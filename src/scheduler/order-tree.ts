/** What an `OrderTree` sums per subtree, so "the work ahead of a job" is one O(log n) descent. */
export interface TreeWeight {
  readonly promptTokens: number;
  readonly outputTokens: number;
}

/** Count and summed weights of the items strictly before a value. */
export interface PrefixSum {
  count: number;
  promptTokens: number;
  outputTokens: number;
}

interface TreeNode<T> {
  readonly value: T;
  readonly heapKey: number;
  left: TreeNode<T> | undefined;
  right: TreeNode<T> | undefined;
  size: number;
  prompt: number;
  output: number;
}

/**
 * An order-statistic treap: a sorted set with subtree sizes and token sums, so insert, delete,
 * rank and prefix sums are O(log n) expected. The fair policy keeps one per model, ordered
 * exactly as it would dispatch (class, tag, arrival), so a position is a rank.
 *
 * Invariants: keys are unique under `compare` (callers break ties with a sequence number);
 * BST order on `compare`, heap order on `heapKey`; `size`/`prompt`/`output` are subtree totals.
 * Heap keys come from a seeded xorshift, not `Math.random`, so runs are reproducible.
 */
export class OrderTree<T extends TreeWeight> {
  readonly #compare: (a: T, b: T) => number;
  #root: TreeNode<T> | undefined;
  #seed = 0x9e3779b9;

  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }

  get size(): number {
    return this.#root?.size ?? 0;
  }

  insert(value: T): void {
    const node: TreeNode<T> = {
      value,
      heapKey: this.#random(),
      left: undefined,
      right: undefined,
      size: 1,
      prompt: value.promptTokens,
      output: value.outputTokens,
    };
    const [lo, hi] = this.#split(this.#root, value);
    this.#root = this.#merge(this.#merge(lo, node), hi);
  }

  /** The smallest item. */
  first(): T | undefined {
    let node = this.#root;
    while (node?.left) node = node.left;
    return node?.value;
  }

  /** Removes the item equal to `value` under `compare`; false when absent. */
  delete(value: T): boolean {
    const before = this.size;
    this.#root = this.#remove(this.#root, value);
    return this.size < before;
  }

  /** Items strictly before `value`, with their token sums. */
  prefix(value: T): PrefixSum {
    const out: PrefixSum = { count: 0, promptTokens: 0, outputTokens: 0 };
    let node = this.#root;
    while (node) {
      if (this.#compare(node.value, value) < 0) {
        out.count += (node.left?.size ?? 0) + 1;
        out.promptTokens += (node.left?.prompt ?? 0) + node.value.promptTokens;
        out.outputTokens += (node.left?.output ?? 0) + node.value.outputTokens;
        node = node.right;
      } else node = node.left;
    }
    return out;
  }

  /** 1-based rank of a held value. */
  rank(value: T): number {
    return this.prefix(value).count + 1;
  }

  #remove(node: TreeNode<T> | undefined, value: T): TreeNode<T> | undefined {
    if (!node) return undefined;
    const c = this.#compare(value, node.value);
    if (c === 0) return this.#merge(node.left, node.right);
    if (c < 0) node.left = this.#remove(node.left, value);
    else node.right = this.#remove(node.right, value);
    return pull(node);
  }

  /** Splits into (< value, >= value). */
  #split(node: TreeNode<T> | undefined, value: T): [TreeNode<T> | undefined, TreeNode<T> | undefined] {
    if (!node) return [undefined, undefined];
    if (this.#compare(node.value, value) < 0) {
      const [lo, hi] = this.#split(node.right, value);
      node.right = lo;
      return [pull(node), hi];
    }
    const [lo, hi] = this.#split(node.left, value);
    node.left = hi;
    return [lo, pull(node)];
  }

  /** Joins two treaps where every item of `a` sorts before every item of `b`. */
  #merge(a: TreeNode<T> | undefined, b: TreeNode<T> | undefined): TreeNode<T> | undefined {
    if (!a) return b;
    if (!b) return a;
    if (a.heapKey > b.heapKey) {
      a.right = this.#merge(a.right, b);
      return pull(a);
    }
    b.left = this.#merge(a, b.left);
    return pull(b);
  }

  #random(): number {
    let x = this.#seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#seed = x >>> 0;
    return this.#seed;
  }
}

function pull<T extends TreeWeight>(node: TreeNode<T>): TreeNode<T> {
  node.size = 1 + (node.left?.size ?? 0) + (node.right?.size ?? 0);
  node.prompt = node.value.promptTokens + (node.left?.prompt ?? 0) + (node.right?.prompt ?? 0);
  node.output = node.value.outputTokens + (node.left?.output ?? 0) + (node.right?.output ?? 0);
  return node;
}
