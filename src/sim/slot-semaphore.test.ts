import { describe, expect, it } from 'vitest';
import { SlotSemaphore } from './slot-semaphore.js';

describe('SlotSemaphore (§4.2: FIFO, unbounded, abortable)', () => {
  it('grants waiters in arrival order', async () => {
    const sem = new SlotSemaphore(1);
    const never = new AbortController().signal;
    expect(sem.tryAcquire()).toBe(true);
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) => sem.acquire(never).then(() => order.push(n)));
    expect(sem.waiting).toBe(3);
    sem.release();
    await waits[0];
    sem.release();
    await waits[1];
    sem.release();
    await waits[2];
    expect(order).toEqual([1, 2, 3]);
    expect(sem.busy).toBe(1);
  });

  it('a newcomer does not overtake a waiter', async () => {
    const sem = new SlotSemaphore(1);
    const never = new AbortController().signal;
    sem.tryAcquire();
    const first = sem.acquire(never);
    sem.release(); // handed to the waiter, not made free
    expect(sem.tryAcquire()).toBe(false);
    expect(await first).toBe(true);
  });

  it('an aborted waiter leaves the line and is skipped', async () => {
    const sem = new SlotSemaphore(1);
    sem.tryAcquire();
    const ac = new AbortController();
    const leaving = sem.acquire(ac.signal);
    const staying = sem.acquire(new AbortController().signal);
    ac.abort();
    expect(await leaving).toBe(false);
    expect(sem.waiting).toBe(1);
    sem.release();
    expect(await staying).toBe(true);
    sem.release();
    expect(sem.busy).toBe(0);
  });
});
