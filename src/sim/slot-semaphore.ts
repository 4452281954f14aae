/**
 * A model's parallel slots (§4.2): a counting semaphore whose waiters are served strictly FIFO
 * (a newcomer never overtakes a waiter) and whose wait is unbounded. A waiter that aborts leaves
 * the line at once.
 */

interface Waiter {
  grant: (granted: boolean) => void;
  cancelled: boolean;
}

export class SlotSemaphore {
  #free: number;
  #queue: (Waiter | undefined)[] = [];
  #head = 0;
  #waiting = 0;

  constructor(readonly size: number) {
    this.#free = size;
  }

  get busy(): number {
    return this.size - this.#free;
  }

  get waiting(): number {
    return this.#waiting;
  }

  /** Takes a slot without waiting when one is free and nobody is ahead. */
  tryAcquire(): boolean {
    if (this.#free > 0 && this.#waiting === 0) {
      this.#free--;
      return true;
    }
    return false;
  }

  /** Resolves true with a slot, or false if the signal aborted first. */
  acquire(signal: AbortSignal): Promise<boolean> {
    if (this.tryAcquire()) return Promise.resolve(true);
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        cancelled: false,
        grant: (granted) => {
          signal.removeEventListener('abort', onAbort);
          resolve(granted);
        },
      };
      const onAbort = (): void => {
        waiter.cancelled = true;
        this.#waiting--;
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
      this.#waiting++;
    });
  }

  /** Returns a slot: handed straight to the first live waiter, else made free. */
  release(): void {
    while (this.#head < this.#queue.length) {
      const next = this.#queue[this.#head];
      this.#queue[this.#head] = undefined; // drop the reference for GC
      this.#head++;
      if (next && !next.cancelled) {
        this.#waiting--;
        this.#compact();
        next.grant(true);
        return;
      }
    }
    this.#compact();
    this.#free++;
  }

  /** Keeps the array from growing forever: drop the consumed prefix once it dominates. */
  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    } else if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    }
  }
}
