// The seed's RequestQueue tests (position, completion, timeout, cleanup) on our event-driven queue,
// plus cancellation: no I/O, an injected clock for the statistics.
import { describe, expect, it, vi } from 'vitest';
import { isCorralError } from '../core/errors.js';
import { RequestQueue } from './request-queue.js';
import type { QueueNotice } from './types.js';

describe('RequestQueue', () => {
  it('grants at once while a slot is free, then queues in order with positions', async () => {
    const queue = new RequestQueue({ concurrency: 1 });
    const first = await queue.acquire();
    const seen: QueueNotice[][] = [[], [], []];
    const waiting = [0, 1, 2].map((i) => queue.acquire({ onPosition: (n) => seen[i]!.push(n) }));
    expect(seen.map((s) => s.at(-1)?.position)).toEqual([1, 2, 3]);
    expect(seen[1]!.at(-1)).toEqual({ position: 2, ahead: 1 });
    expect(queue.getQueueStats()).toMatchObject({ queueSize: 3, activeRequests: 1 });
    first.release('completed');
    const second = await waiting[0]!;
    expect(seen.map((s) => s.at(-1)?.position)).toEqual([1, 1, 2]);
    second.release('completed');
    (await waiting[1]!).release('completed');
    (await waiting[2]!).release('completed');
    expect(queue.getQueueStats()).toMatchObject({ queueSize: 0, activeRequests: 0, recentCompletions: 4 });
  });

  it('averages processing time over recent completions and estimates the wait from it', async () => {
    let now = 0;
    const queue = new RequestQueue({ concurrency: 2, now: () => now });
    const a = await queue.acquire();
    const b = await queue.acquire();
    now = 1000;
    a.release('completed');
    now = 3000;
    b.release('completed');
    b.release('completed'); // idempotent
    expect(queue.getQueueStats()).toEqual({
      queueSize: 0,
      activeRequests: 0,
      avgProcessingTimeMs: 2000,
      recentCompletions: 2,
    });
    const c = await queue.acquire();
    (await queue.acquire()).release('failed'); // failures do not count
    expect(queue.getQueueStats().recentCompletions).toBe(2);
    const d = await queue.acquire();
    const notices: QueueNotice[] = [];
    const waiting = [1, 2, 3].map(() => queue.acquire({ onPosition: (n) => notices.push(n) }));
    expect(notices).toEqual([
      { position: 1, ahead: 0, etaMs: 2000 },
      { position: 2, ahead: 1, etaMs: 2000 },
      { position: 3, ahead: 2, etaMs: 4000 },
    ]);
    c.release('cancelled');
    d.release('cancelled');
    for (const w of waiting) (await w).release('cancelled');
  });

  it('cleans up: completions leave the statistics after the window, and records are bounded', async () => {
    let now = 0;
    const queue = new RequestQueue({ now: () => now, statsWindowMs: 60_000, maxRecent: 5 });
    for (let i = 0; i < 20; i++) (await queue.acquire()).release('completed');
    expect(queue.getQueueStats().recentCompletions).toBe(5);
    now = 59_000;
    expect(queue.getQueueStats().recentCompletions).toBe(5);
    now = 61_000;
    expect(queue.getQueueStats()).toMatchObject({ recentCompletions: 0, avgProcessingTimeMs: null });
  });

  it('times out a request that waits longer than maxWaitMs, and the next one moves up', async () => {
    vi.useFakeTimers();
    try {
      const queue = new RequestQueue({ maxWaitMs: 20 });
      const running = await queue.acquire();
      const timingOut = queue.acquire().catch((e: unknown) => e);
      vi.advanceTimersByTime(10);
      const behind: QueueNotice[] = [];
      const next = queue.acquire({ onPosition: (n) => behind.push(n) });
      expect(behind).toEqual([{ position: 2, ahead: 1 }]);
      vi.advanceTimersByTime(10); // the first one's deadline; the second has 10 ms left
      const err = await timingOut;
      expect(isCorralError(err) && err.kind).toBe('timeout');
      expect(behind.map((n) => n.position)).toEqual([2, 1]);
      expect(queue.getQueueStats()).toMatchObject({ queueSize: 1, activeRequests: 1 });
      running.release('completed');
      const lease = await next; // granted before its own deadline, which no longer fires
      vi.advanceTimersByTime(100);
      expect(queue.getQueueStats()).toMatchObject({ queueSize: 0, activeRequests: 1 });
      lease.release('completed');
      expect(queue.getQueueStats()).toMatchObject({ queueSize: 0, activeRequests: 0 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('an abort takes a waiting request out at once and tells those behind it', async () => {
    const queue = new RequestQueue();
    const running = await queue.acquire();
    const controller = new AbortController();
    const leaving = queue.acquire({ signal: controller.signal });
    const behind: QueueNotice[] = [];
    const staying = queue.acquire({ onPosition: (n) => behind.push(n) });
    controller.abort(new Error('gone'));
    await expect(leaving).rejects.toThrow('gone');
    expect(behind.map((n) => n.position)).toEqual([2, 1]);
    await expect(queue.acquire({ signal: AbortSignal.abort(new Error('early')) })).rejects.toThrow('early');
    running.release('cancelled');
    (await staying).release('completed');
    expect(queue.getQueueStats()).toMatchObject({ queueSize: 0, activeRequests: 0 });
  });
});
