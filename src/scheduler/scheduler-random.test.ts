import { describe, expect, it } from 'vitest';
import { job, setup } from './test-helpers.js';
import type { Dispatch, JobSpec } from './types.js';

/** Small deterministic PRNG so a failing seed reproduces (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BACKENDS = ['b1', 'b2', 'b3'];
const MODELS = ['m1', 'm2'];

/**
 * Random submits, finishes, cancels and capacity raises, with the invariants of scheduler.ts
 * checked after every step from the outside (public API only):
 * slots never exceeded, work-conserving, positions dense in arrival order, each job started once.
 */
describe.each([1, 2, 3])('Scheduler under random operations (seed %i)', (seed) => {
  it('keeps every invariant', () => {
    const next = random(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
    const { scheduler: s } = setup({ maxQueued: 50 });
    const slots = new Map<string, number>(); // `${b}/${m}` -> slots (never lowered here)
    const specs = new Map<string, JobSpec>();
    const arrival: string[] = [];
    const running = new Map<string, string>(); // id -> backend
    const started = new Set<string>();
    const take = (ds: readonly Dispatch[]) => {
      for (const d of ds) {
        expect(started.has(d.jobId)).toBe(false);
        started.add(d.jobId);
        running.set(d.jobId, d.backend);
      }
    };
    for (let step = 0; step < 1_500; step++) {
      const roll = next();
      if (roll < 0.45) {
        const backends = BACKENDS.filter(() => next() < 0.5);
        const spec = job(`j${step}`, { model: pick(MODELS), backends: backends.length ? backends : ['b1'] });
        specs.set(spec.id, spec);
        arrival.push(spec.id);
        const d = s.submit(spec);
        if (d.type === 'dispatch') take([d]);
      } else if (roll < 0.75 && running.size > 0) {
        const id = pick([...running.keys()]);
        running.delete(id);
        take(next() < 0.8 ? s.finish(id, 'done') : s.cancel(id, 'cancelled'));
      } else if (roll < 0.92) {
        const id = pick(arrival.length ? arrival : ['none']); // waiting jobs (pruned each step)
        take(s.cancel(id, 'timed_out'));
      } else {
        const [b, m] = [pick(BACKENDS), pick(MODELS)];
        const key = `${b}/${m}`;
        const n = (slots.get(key) ?? 1) + 1 + Math.floor(next() * 3);
        slots.set(key, n);
        take(s.setCapacity(b, m, n));
      }
      checkInvariants();
    }

    expect(started.size).toBeGreaterThan(100); // the run exercised dispatching, not just rejections

    /** Plain checks that call `expect` only on failure: 1,500 steps x every job is a lot of expects. */
    function checkInvariants(): void {
      const fail = (what: string) => expect.fail(`seed ${seed}: ${what}`);
      const busy = new Map<string, number>();
      for (const [id, b] of running) {
        if (s.get(id)?.state !== 'running') fail(`${id} should be running`);
        const key = `${b}/${specs.get(id)?.model}`;
        busy.set(key, (busy.get(key) ?? 0) + 1);
      }
      for (const [key, n] of busy) if (n > (slots.get(key) ?? 1)) fail(`${key} runs ${n}`);
      const seen = new Map<string, number>();
      const stillQueued: string[] = [];
      for (const id of arrival) {
        const info = s.get(id);
        if (info?.state !== 'queued') continue;
        stillQueued.push(id);
        const expected = (seen.get(info.model) ?? 0) + 1;
        seen.set(info.model, expected);
        if (info.position !== expected) fail(`${id} at ${info.position}, expected ${expected}`);
        for (const b of specs.get(id)?.backends ?? []) {
          const key = `${b}/${info.model}`;
          if ((busy.get(key) ?? 0) < (slots.get(key) ?? 1)) fail(`${id} waits while ${key} has a free slot`);
        }
      }
      arrival.splice(0, arrival.length, ...stillQueued);
      if (s.queued !== stillQueued.length) fail(`queued ${s.queued}, expected ${stillQueued.length}`);
      if (s.running !== running.size) fail(`running ${s.running}, expected ${running.size}`);
    }
  });
});
