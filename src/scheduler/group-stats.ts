import type { Clock } from '../core/clock.js';
import { TimeWindow } from './time-window.js';

/** Waiting and running jobs of one group (a tenant, a priority class), exact and live. */
export interface LiveTallyEntry {
  queued: number;
  running: number;
}

/**
 * Live counts per group key. Entries at zero are deleted, so memory follows live work: it holds
 * at most one entry per queued or running job, whatever the number of keys that have passed.
 */
export class LiveTally {
  readonly #entries = new Map<string, LiveTallyEntry>();

  change(key: string, queued: number, running: number): void {
    let entry = this.#entries.get(key);
    if (!entry) this.#entries.set(key, (entry = { queued: 0, running: 0 }));
    entry.queued += queued;
    entry.running += running;
    if (entry.queued < 0 || entry.running < 0) throw new Error(`LiveTally: negative count for '${key}'`); // a caller broke the pairing
    if (entry.queued === 0 && entry.running === 0) this.#entries.delete(key);
  }

  get(key: string): LiveTallyEntry | undefined {
    return this.#entries.get(key);
  }

  entries(): IterableIterator<[string, LiveTallyEntry]> {
    return this.#entries.entries();
  }
}

/** Window sums of one group. */
export interface GroupWindowTotals {
  readonly dispatched: number;
  readonly waitSumMs: number;
  readonly completed: number;
  readonly processingSumMs: number;
}

interface GroupWindow {
  readonly waits: TimeWindow;
  readonly processing: TimeWindow;
}

/**
 * Windowed wait and processing samples per group key, for at most `limit` keys: the ones that
 * recorded most recently (a Map in recency order: touching a key moves it to the end, and the
 * first key is evicted when a new one would exceed the limit). Memory is
 * O(limit × bucketCount) whatever the number of tenants that ever sent a request.
 */
export class GroupWindows {
  readonly #clock: Clock;
  readonly #windowMs: number;
  readonly #bucketCount: number;
  readonly #limit: number;
  readonly #groups = new Map<string, GroupWindow>();
  #evicted = 0;

  constructor(clock: Clock, windowMs: number, bucketCount: number, limit: number) {
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`group limit must be an integer >= 0`);
    this.#clock = clock;
    this.#windowMs = windowMs;
    this.#bucketCount = bucketCount;
    this.#limit = limit;
  }

  /** Keys dropped to respect the limit, since construction. */
  get evicted(): number {
    return this.#evicted;
  }

  get size(): number {
    return this.#groups.size;
  }

  recordWait(key: string, waitMs: number): void {
    this.#touch(key)?.waits.add(waitMs);
  }

  recordProcessing(key: string, processingMs: number): void {
    this.#touch(key)?.processing.add(processingMs);
  }

  totals(key: string): GroupWindowTotals | undefined {
    const group = this.#groups.get(key);
    if (!group) return undefined;
    const waits = group.waits.totals();
    const processing = group.processing.totals();
    return {
      dispatched: waits.count,
      waitSumMs: waits.sum,
      completed: processing.count,
      processingSumMs: processing.sum,
    };
  }

  /**
   * Keys with samples still inside the window, most recent first. Keys whose samples have all
   * expired are forgotten here (bookkeeping only: the answer is the same either way).
   */
  activeKeys(): string[] {
    const out: string[] = [];
    for (const [key, group] of this.#groups) {
      if (group.waits.totals().count === 0 && group.processing.totals().count === 0) this.#groups.delete(key);
      else out.push(key);
    }
    return out.reverse();
  }

  #touch(key: string): GroupWindow | undefined {
    if (this.#limit === 0) return undefined;
    let group = this.#groups.get(key);
    if (group) {
      this.#groups.delete(key); // re-inserted below: now the most recent
    } else {
      group = {
        waits: new TimeWindow(this.#clock, this.#windowMs, this.#bucketCount),
        processing: new TimeWindow(this.#clock, this.#windowMs, this.#bucketCount),
      };
      if (this.#groups.size >= this.#limit) {
        const oldest = this.#groups.keys().next();
        if (!oldest.done) {
          this.#groups.delete(oldest.value);
          this.#evicted++;
        }
      }
    }
    this.#groups.set(key, group);
    return group;
  }
}
