import { FenwickCounter } from './fenwick.js';

/** What a `RankedQueue` stores: the queue writes `slot`, nobody else should. */
export interface RankedEntry {
  /** Index of this entry's slot; rewritten when the queue compacts. */
  slot: number;
}

const MIN_CAPACITY = 16;

/**
 * The waiting jobs of one model in arrival order, with O(log n) rank ("position") queries.
 *
 * Each entry takes the next slot of a growing sequence, so slot order is arrival order. A
 * Fenwick tree holds 1 for each live slot; the rank of an entry is the prefix sum up to its slot.
 * Removal zeroes the slot (O(log n)) and never shifts anyone, which is what keeps a cancel from
 * rewriting 10,000 indices.
 *
 * Invariants:
 * - `#slots[i]` is the live entry whose `slot === i`, or undefined; `#fenwick` counts 1 exactly
 *   where `#slots[i]` is defined, and `#live` is the number of defined slots.
 * - slots `>= #next` are empty; slot order equals arrival order among live entries.
 * When `#next` reaches the capacity, live entries are renumbered 0..live-1 (order kept) into a
 * table of at least twice the live count. At least half the new table is free, so a compaction
 * (O(capacity)) is paid for by the capacity/2 pushes before the next one: O(1) amortized, and the
 * table never exceeds ~4x the largest live count. Callers drop an empty queue, so memory returns.
 */
export class RankedQueue<E extends RankedEntry> {
  #slots: Array<E | undefined>;
  #fenwick: FenwickCounter;
  #next = 0;
  #live = 0;

  constructor() {
    this.#slots = new Array<E | undefined>(MIN_CAPACITY);
    this.#fenwick = new FenwickCounter(MIN_CAPACITY);
  }

  get size(): number {
    return this.#live;
  }

  /** Appends `entry` at the back and returns its 1-based rank (the new size). */
  push(entry: E): number {
    if (this.#next === this.#slots.length) this.#compact();
    entry.slot = this.#next++;
    this.#slots[entry.slot] = entry;
    this.#fenwick.add(entry.slot, 1);
    this.#live++;
    return this.#live;
  }

  /** 1-based rank of a live entry among the live entries. */
  rank(entry: E): number {
    return this.#fenwick.prefix(entry.slot);
  }

  /** Removes a live entry and returns the rank it had; entries behind it move up by one. */
  remove(entry: E): number {
    if (this.#slots[entry.slot] !== entry) throw new Error('RankedQueue.remove: entry is not in this queue');
    const rank = this.rank(entry);
    this.#slots[entry.slot] = undefined;
    this.#fenwick.add(entry.slot, -1);
    this.#live--;
    return rank;
  }

  #compact(): void {
    let capacity = MIN_CAPACITY;
    while (capacity < 2 * (this.#live + 1)) capacity *= 2;
    const slots = new Array<E | undefined>(capacity);
    let next = 0;
    for (const entry of this.#slots) {
      if (entry === undefined) continue;
      entry.slot = next;
      slots[next++] = entry;
    }
    this.#slots = slots;
    this.#fenwick = new FenwickCounter(capacity, new Uint8Array(capacity).fill(1, 0, next));
    this.#next = next;
  }
}
