import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { EtaEstimator } from './eta.js';
import { FairPolicy } from './fair-policy.js';
import { Scheduler } from './scheduler.js';
import { job } from './test-helpers.js';

/** Deterministic uniform numbers in [0, 1) (a test must not depend on Math.random). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

describe('EtaEstimator: rates and output length', () => {
  it('learns ms/token from Ollama timings with an EWMA', () => {
    const clock = new ManualClock(0);
    const eta = new EtaEstimator(clock, { alpha: 0.5 });
    eta.observeCompletion({
      backend: 'b1',
      model: 'm',
      promptTokens: 100,
      outputTokens: 50,
      processingMs: 1_100,
      promptEvalMs: 100,
      evalMs: 1_000,
    });
    // Defaults 1 ms/prompt token, 33.3 ms/output token, each halfway to the sample (1 and 20).
    expect(eta.serviceMs('b1', 'm', 100, 0)).toBeCloseTo(100);
    expect(eta.serviceMs('b1', 'm', 0, 10)).toBeCloseTo((10 * (1000 / 30 + 20)) / 2);
  });

  it('derives the output rate from the processing time when timings are missing', () => {
    const eta = new EtaEstimator(new ManualClock(0), { alpha: 1 });
    eta.observeCompletion({
      backend: 'b1',
      model: 'm',
      promptTokens: 0,
      outputTokens: 100,
      processingMs: 2_500,
      loadMs: 500,
    });
    expect(eta.serviceMs('b1', 'm', 0, 100)).toBeCloseTo(2_000);
  });

  it('plans output from history, capped by max tokens; max tokens or the default without history', () => {
    const eta = new EtaEstimator(new ManualClock(0), { alpha: 1, defaultOutputTokens: 256 });
    expect(eta.expectedOutputTokens('m')).toBe(256);
    expect(eta.expectedOutputTokens('m', 64)).toBe(64);
    eta.observeCompletion({ backend: 'b1', model: 'm', promptTokens: 0, outputTokens: 120, processingMs: 1 });
    expect(eta.expectedOutputTokens('m')).toBe(120);
    expect(eta.expectedOutputTokens('m', 64)).toBe(64);
    expect(eta.expectedOutputTokens('m', 400)).toBe(120);
  });

  it('counts the remaining work of running jobs and adds a load when the model is not loaded', () => {
    const clock = new ManualClock(0);
    const eta = new EtaEstimator(clock, { alpha: 1 });
    eta.observeCompletion({
      backend: 'b1',
      model: 'm',
      promptTokens: 0,
      outputTokens: 10,
      processingMs: 1_100,
      loadMs: 100,
      evalMs: 1_000,
    });
    eta.observeStart({
      jobId: 'r',
      backend: 'b1',
      model: 'm',
      promptTokens: 0,
      outputTokens: 10,
      enqueuedAtMs: 0,
    });
    clock.advance(400);
    const query = {
      model: 'm',
      backends: [{ backend: 'b1', slots: 1 }],
      ahead: { jobs: 2, promptTokens: 0, outputTokens: 20 },
      promptTokens: 0,
      outputTokens: 10,
    };
    expect(eta.estimate(query)).toEqual({ startInMs: 600 + 2_000, finishInMs: 3_600 });
    eta.observeEnd('r');
    eta.observeUnload('b1', 'm');
    expect(eta.estimate(query).startInMs).toBe(2_000 + 100);
  });

  it('scores predictions at start: median absolute error in percent', () => {
    const clock = new ManualClock(0);
    const eta = new EtaEstimator(clock);
    const start = (id: string) =>
      eta.observeStart({
        jobId: id,
        backend: 'b',
        model: 'm',
        promptTokens: 0,
        outputTokens: 0,
        enqueuedAtMs: 0,
      });
    eta.recordPrediction('a', 100);
    eta.recordPrediction('b', 150);
    eta.recordPrediction('c', 400);
    eta.recordPrediction('gone', 10);
    eta.observeEnd('gone');
    clock.advance(100);
    start('a');
    start('b');
    start('c');
    start('gone');
    expect(eta.errorStats()).toEqual({ count: 3, medianAbsErrorPct: 50, medianAbsErrorMs: 50 });
  });
});

describe('EtaEstimator in the scheduler: steady load (DESIGN.md §6)', () => {
  /**
   * Poisson arrivals at 85 % utilisation; prompt length known at submit, output length random
   * (150-249 tokens, max tokens 400, so the estimator must learn it from history); FairPolicy.
   */
  function simulate(
    slots: number,
    tenants: readonly string[],
  ): { medianAbsErrorPct: number | null; count: number } {
    const clock = new ManualClock(0);
    const eta = new EtaEstimator(clock);
    const s = new Scheduler({ policy: new FairPolicy({}, clock), eta }, clock);
    s.setCapacity('b1', 'm', slots);
    const random = lcg(42);
    const [msPerPrompt, msPerOutput] = [0.5, 20];
    const meanServiceMs = 200 * msPerPrompt + 200 * msPerOutput;
    const prompts = new Map<string, number>();
    const running = new Map<string, { endsAtMs: number; prompt: number; output: number }>();
    const start = (jobId: string) => {
      const prompt = prompts.get(jobId) ?? 0;
      const output = 150 + Math.floor(random() * 100);
      running.set(jobId, {
        endsAtMs: clock.now() + prompt * msPerPrompt + output * msPerOutput,
        prompt,
        output,
      });
    };
    let nextArrivalMs = 0;
    for (let n = 0; n < 3_000;) {
      let nextId: string | undefined;
      let next: { endsAtMs: number; prompt: number; output: number } | undefined;
      for (const [id, r] of running) if (!next || r.endsAtMs < next.endsAtMs) [nextId, next] = [id, r];
      if (next === undefined || nextArrivalMs < next.endsAtMs) {
        clock.advance(nextArrivalMs - clock.now());
        const id = `j${n++}`;
        const promptTokens = 100 + Math.floor(random() * 200);
        prompts.set(id, promptTokens);
        const tenant = tenants[Math.floor(random() * tenants.length)] ?? 'a';
        const expectedOutputTokens = eta.expectedOutputTokens('m', 400);
        if (s.submit(job(id, { tenant, promptTokens, expectedOutputTokens })).type === 'dispatch') start(id);
        nextArrivalMs += (-Math.log(1 - random()) * meanServiceMs) / (0.85 * slots);
        continue;
      }
      clock.advance(next.endsAtMs - clock.now());
      running.delete(nextId ?? '');
      const usage = {
        promptTokens: next.prompt,
        outputTokens: next.output,
        promptEvalMs: next.prompt * msPerPrompt,
        evalMs: next.output * msPerOutput,
      };
      for (const d of s.finish(nextId ?? '', 'done', usage)) start(d.jobId);
    }
    const stats = s.snapshot().eta;
    return { medianAbsErrorPct: stats?.medianAbsErrorPct ?? null, count: stats?.count ?? 0 };
  }

  it.each([1, 4])('predicts start times within 20 %% (median) on %i slot(s), one tenant', (slots) => {
    const { medianAbsErrorPct, count } = simulate(slots, ['a']);
    expect(count).toBeGreaterThan(500);
    expect(medianAbsErrorPct ?? 100).toBeLessThanOrEqual(20);
  });

  /**
   * With three tenants, WFQ lets jobs that have not arrived yet go ahead of a waiting one; the
   * estimator bounds that by the tenants' fair share and their arrival rate. Measured 21 % (1 slot)
   * and 28 % (4 slots): this guards against regressions; the 20 % bar is not met here yet.
   */
  it.each([
    [1, 23],
    [4, 30],
  ])('keeps the error bounded with three competing tenants on %i slot(s)', (slots, boundPct) => {
    const { medianAbsErrorPct, count } = simulate(slots, ['a', 'b', 'c']);
    expect(count).toBeGreaterThan(500);
    expect(medianAbsErrorPct ?? 100).toBeLessThanOrEqual(boundPct);
  });

  it('plans a job that states only max tokens from history, capped by it', () => {
    const clock = new ManualClock(0);
    const eta = new EtaEstimator(clock, { alpha: 1 });
    eta.observeCompletion({
      backend: 'b1',
      model: 'm',
      promptTokens: 0,
      outputTokens: 20,
      processingMs: 200,
    });
    const s = new Scheduler({ tenants: () => ({}), eta }, clock);
    s.submit(job('r', { maxOutputTokens: 4_096 })); // runs: planned 20 tokens, 200 ms
    s.submit(job('w', { maxOutputTokens: 4_096 }));
    s.submit(job('x', { maxOutputTokens: 5 }));
    expect(s.get('w')).toMatchObject({ startInMs: 200, finishInMs: 400 });
    const x = s.estimate('x');
    expect((x?.finishInMs ?? 0) - (x?.startInMs ?? 0)).toBe(50);
  });

  it('reports ETA in get() for a waiting job', () => {
    const clock = new ManualClock(0);
    const eta = new EtaEstimator(clock, { defaultOutputTokensPerSec: 10 });
    const s = new Scheduler({ tenants: () => ({}), eta }, clock);
    s.submit(job('r', { expectedOutputTokens: 10 }));
    s.submit(job('w', { expectedOutputTokens: 10 }));
    expect(s.get('w')).toMatchObject({ position: 1, startInMs: 1_000, finishInMs: 2_000 });
    expect(s.estimate('r')).toBeUndefined();
  });
});
