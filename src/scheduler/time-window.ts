import type { Clock } from '../core/clock.js';

interface Bucket {
  /** `floor(t / bucketMs)` of the samples summed here. */
  index: number;
  sum: number;
  count: number;
}

/**
 * Sum and count of the samples of the last `windowMs`, in constant memory.
 *
 * Time is cut into `bucketCount` buckets of `windowMs / bucketCount`; a ring holds one bucket per
 * slot and a bucket is reset when its slot is reused for a newer interval. So old samples really
 * go away (unlike the seed, which averaged whatever results it still happened to hold) and memory
 * does not grow with throughput — 5,000 req/s over 5 minutes would be 1.5 M raw samples.
 *
 * Precision: a sample older than `windowMs` is never counted; one younger than
 * `windowMs - bucketMs` always is; in between it depends on where the bucket edge falls.
 */
export class TimeWindow {
  readonly #clock: Clock;
  readonly #bucketMs: number;
  readonly #ring: Bucket[];

  constructor(clock: Clock, windowMs: number, bucketCount = 60) {
    if (!(windowMs > 0) || !Number.isInteger(bucketCount) || bucketCount < 1) {
      throw new RangeError('TimeWindow needs windowMs > 0 and an integer bucketCount >= 1');
    }
    this.#clock = clock;
    this.#bucketMs = windowMs / bucketCount;
    this.#ring = Array.from({ length: bucketCount }, () => ({
      index: Number.NEGATIVE_INFINITY,
      sum: 0,
      count: 0,
    }));
  }

  add(value: number): void {
    const index = this.#indexAt(this.#clock.now());
    const bucket = this.#bucket(index);
    if (bucket.index !== index) {
      bucket.index = index;
      bucket.sum = 0;
      bucket.count = 0;
    }
    bucket.sum += value;
    bucket.count++;
  }

  /** `{ sum, count }` of the samples still inside the window. */
  totals(): { sum: number; count: number } {
    const now = this.#indexAt(this.#clock.now());
    let sum = 0;
    let count = 0;
    for (const bucket of this.#ring) {
      if (bucket.index > now - this.#ring.length && bucket.index <= now) {
        sum += bucket.sum;
        count += bucket.count;
      }
    }
    return { sum, count };
  }

  /** Mean of the samples inside the window, or null when there are none. */
  average(): number | null {
    const { sum, count } = this.totals();
    return count === 0 ? null : sum / count;
  }

  #indexAt(timeMs: number): number {
    return Math.floor(timeMs / this.#bucketMs);
  }

  #bucket(index: number): Bucket {
    const n = this.#ring.length;
    const bucket = this.#ring[((index % n) + n) % n];
    if (!bucket) throw new Error('TimeWindow: ring slot missing'); // unreachable: ring is full-length
    return bucket;
  }
}
