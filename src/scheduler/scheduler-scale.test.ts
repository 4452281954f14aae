import { describe, expect, it } from 'vitest';
import { job, setup } from './test-helpers.js';

/**
 * Correctness at the size DESIGN.md §6 measures (10,000 waiting jobs), checked against a plain
 * array. It asserts answers, not time: timing belongs in bench/. A structure that walked the queue
 * would still pass here; the O(log n) claim rests on ranked-queue.ts and its design notes.
 */
describe('Scheduler at 10,000 queued jobs', () => {
  it('keeps positions, cancels and dispatch order right', () => {
    const { scheduler: s } = setup({ maxQueued: 20_000 });
    const models = ['m0', 'm1', 'm2'];
    const lines = new Map<string, string[]>(models.map((m) => [m, []]));
    s.submit(job('blocker-m0', { model: 'm0' }));
    s.submit(job('blocker-m1', { model: 'm1' }));
    s.submit(job('blocker-m2', { model: 'm2' }));
    for (let i = 0; i < 10_000; i++) {
      const model = models[i % 3] ?? 'm0';
      const decision = s.submit(job(`j${i}`, { model }));
      const line = lines.get(model) ?? [];
      line.push(`j${i}`);
      if (decision.type !== 'queued' || decision.position !== line.length)
        expect.fail(`j${i}: ${JSON.stringify(decision)}`);
    }
    expect(s.queued).toBe(10_000);

    // Cancel every 7th job, front to back, then check every position (O(n log n) in total).
    for (let i = 0; i < 10_000; i += 7) {
      s.cancel(`j${i}`, i % 2 === 0 ? 'cancelled' : 'timed_out');
      const line = lines.get(models[i % 3] ?? 'm0') ?? [];
      line.splice(line.indexOf(`j${i}`), 1);
    }
    for (const line of lines.values()) {
      const answered = line.map((id) => s.get(id)).map((info) => [info?.state, info?.position, info?.ahead]);
      expect(answered).toEqual(line.map((_, index) => ['queued', index + 1, index]));
    }

    // Drain m1 one finish at a time: FIFO among the survivors, every dispatch exactly once.
    const started: string[] = [];
    let running = 'blocker-m1';
    for (;;) {
      const [next] = s.finish(running, 'done');
      if (next === undefined) break;
      started.push(next.jobId);
      running = next.jobId;
    }
    expect(started).toEqual(lines.get('m1'));
    // An idle model keeps only its window figures (it drops out once they expire).
    expect(s.snapshot().models.m1).toMatchObject({ queued: 0, running: 0 });
    expect(s.queued).toBe((lines.get('m0')?.length ?? 0) + (lines.get('m2')?.length ?? 0));
  });

  it('keeps memory bounded: finished jobs beyond the cap are forgotten', () => {
    const { scheduler: s } = setup({ recentJobsLimit: 1_000 });
    for (let i = 0; i < 20_000; i++) {
      s.submit(job(`j${i}`));
      s.finish(`j${i}`, 'done');
    }
    expect([s.get('j19999')?.state, s.get('j19000')?.state]).toEqual(['done', 'done']);
    expect(s.get('j18999')).toBeUndefined();
    expect(s.snapshot().recent).toHaveLength(20);
  });
});
