/**
 * A doubly-linked FIFO whose nodes the owner keeps, so removing any entry is O(1).
 *
 * The FIFO policy keeps one per (backend, model): its head is the oldest job that backend may
 * serve. A plain array would make a cancel in the middle O(n); a JS `Map` used as an ordered set
 * leaves deleted holes that `keys().next()` has to skip, so "peek the head" is not O(1) after
 * many removals at the front. Here both are O(1) and memory is exactly the live entries.
 */
export interface ListNode<T> {
  readonly value: T;
  prev: ListNode<T> | undefined;
  next: ListNode<T> | undefined;
  /** False once removed, so a second removal is a no-op rather than a corrupted list. */
  isLinked: boolean;
}

export class LinkedQueue<T> {
  #head: ListNode<T> | undefined;
  #tail: ListNode<T> | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(value: T): ListNode<T> {
    const node: ListNode<T> = { value, prev: this.#tail, next: undefined, isLinked: true };
    if (this.#tail) this.#tail.next = node;
    else this.#head = node;
    this.#tail = node;
    this.#size++;
    return node;
  }

  peek(): T | undefined {
    return this.#head?.value;
  }

  /** Unlinks a node this queue returned from `push`; idempotent. */
  remove(node: ListNode<T>): void {
    if (!node.isLinked) return;
    node.isLinked = false;
    if (node.prev) node.prev.next = node.next;
    else this.#head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.#tail = node.prev;
    node.prev = undefined;
    node.next = undefined;
    this.#size--;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let node = this.#head; node; node = node.next) yield node.value;
  }
}
