import { describe, expect, it } from 'vitest';
import { rfc3339Nano, sleep, tokenIntervalMs } from './timing.js';

describe('timing model', () => {
  it.each([
    [{ tps: 40, slowdown: 0.3 }, 1, undefined, 25],
    [{ tps: 40, slowdown: 0.3 }, 2, undefined, 32.5],
    [{ tps: 40, slowdown: 0 }, 4, undefined, 25],
    [{ tps: 0, slowdown: 0.3 }, 3, undefined, 0],
    [{ tps: 40, slowdown: 0.3 }, 1, 7, 7],
  ])('%j with %d busy slots (slow %s) → %d ms per token', (pace, busy, slow, expected) => {
    expect(tokenIntervalMs(pace, busy, slow)).toBeCloseTo(expected, 9);
  });

  it('formats RFC 3339 with nanoseconds, trailing zeros trimmed, UTC', () => {
    expect(rfc3339Nano(Date.UTC(2025, 6, 7, 20, 22, 19) + 184.5)).toBe('2025-07-07T20:22:19.1845Z');
    expect(rfc3339Nano(Date.UTC(2025, 6, 7, 20, 22, 19))).toBe('2025-07-07T20:22:19Z');
  });

  it('sleep never ends before its time by performance.now(), and ends at once on abort', async () => {
    const signal = new AbortController().signal;
    for (let i = 0; i < 15; i++) {
      const start = performance.now();
      expect(await sleep(3, signal)).toBe(true);
      expect(performance.now() - start).toBeGreaterThanOrEqual(3);
    }
    const ac = new AbortController();
    const pending = sleep(60_000, ac.signal);
    ac.abort();
    expect(await pending).toBe(false);
  });
});
