import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { FairPolicy } from './fair-policy.js';
import { Scheduler } from './scheduler.js';
import type { TenantSettings } from './tenants.js';
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

/** Tenants of the fair run: weights, class ceilings and defaults, in-flight and queue caps. */
const FAIR_TENANTS: Readonly<Record<string, TenantSettings>> = {
  heavy: { weight: 4 },
  light: { weight: 1 },
  capped: { weight: 2, maxInFlight: 1 },
  pair: { maxInFlight: 2, maxQueued: 6 },
  nightly: { maxPriority: 'batch' },
  vip: { maxPriority: 'interactive', defaultPriority: 'interactive', maxInFlight: 3 },
};
const HINTS = ['interactive', 'default', 'batch', undefined] as const;
const FAIR_BACKENDS = ['b1', 'b2', 'b3', 'b4'];

/**
 * The same outside view of the invariants under the fair policy, where order is no longer arrival
 * order: random tenants, weights, priority hints (clamped by ceilings), costs, clock advances and
 * ticks that age waiting jobs up a class, per-tenant in-flight caps and queue limits, several
 * backends. Checked after every step: slots never exceeded, no tenant over its in-flight cap,
 * work-conserving (a free slot never idles while a waiting job it could serve is not held back by
 * its tenant's cap), positions dense per model, each job started once. At the end everything is
 * drained and every slot must be free again (none leaked).
 */
describe.each([1, 2, 3, 4])('Scheduler with the fair policy under random operations (seed %i)', (seed) => {
  it('keeps every invariant and leaks no slot', () => {
    const next = random(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
    const clock = new ManualClock(0);
    const settingsOf = (t: string): TenantSettings => FAIR_TENANTS[t] ?? {};
    const policy = new FairPolicy({ tenants: settingsOf, agingMs: 400 }, clock);
    const s = new Scheduler({ maxQueued: 60, policy }, clock);
    const capOf = (t: string) => settingsOf(t).maxInFlight ?? Number.POSITIVE_INFINITY;
    const slots = new Map<string, number>(); // `${b}/${m}` -> slots (never lowered here)
    const specs = new Map<string, JobSpec>();
    let waiting: string[] = [];
    const running = new Map<string, string>(); // id -> backend
    const started = new Set<string>();
    const stats = { rejected: 0, fromQueue: 0, promoted: 0, heldByCap: 0 };
    const take = (ds: readonly Dispatch[]) => {
      for (const d of ds) {
        if (started.has(d.jobId)) expect.fail(`seed ${seed}: ${d.jobId} started twice`);
        started.add(d.jobId);
        running.set(d.jobId, d.backend);
        stats.fromQueue++;
      }
    };
    const finishOne = () => {
      const id = pick([...running.keys()]);
      running.delete(id);
      take(next() < 0.8 ? s.finish(id, 'done') : s.cancel(id, 'cancelled'));
    };

    for (let step = 0; step < 2_000; step++) {
      const roll = next();
      if (roll < 0.45) {
        const backends = FAIR_BACKENDS.filter(() => next() < 0.4);
        const hint = pick(HINTS);
        const spec: JobSpec = {
          id: `j${step}`,
          model: pick(MODELS),
          tenant: pick([...Object.keys(FAIR_TENANTS), 'newcomer']),
          backends: backends.length ? backends : [pick(FAIR_BACKENDS)],
          promptTokens: Math.floor(next() * 400),
          expectedOutputTokens: 1 + Math.floor(next() * 300),
          ...(hint === undefined ? {} : { priority: hint }),
        };
        specs.set(spec.id, spec);
        const d = s.submit(spec);
        if (d.type === 'dispatch') {
          take([d]);
          stats.fromQueue--;
        } else if (d.type === 'queued') waiting.push(spec.id);
        else stats.rejected++;
      } else if (roll < 0.72 && running.size > 0) {
        finishOne();
      } else if (roll < 0.8 && waiting.length > 0) {
        take(s.cancel(pick(waiting), 'timed_out'));
      } else if (roll < 0.93) {
        // Time passes: waiting jobs age towards the top class (a tick applies it now).
        const before = waiting.map((id) => policy.classOf(id));
        clock.advance(Math.floor(next() * 300));
        if (next() < 0.5) s.tick();
        const after = waiting.map((id) => policy.classOf(id));
        stats.promoted += after.filter((c, i) => c !== before[i]).length;
      } else {
        const [b, m] = [pick(FAIR_BACKENDS), pick(MODELS)];
        const key = `${b}/${m}`;
        const n = (slots.get(key) ?? 1) + 1 + Math.floor(next() * 2);
        slots.set(key, n);
        take(s.setCapacity(b, m, n));
      }
      checkInvariants();
    }

    // The run exercised what it claims to: dispatch from the queue, refusals (queue bounds and a
    // tenant's own limit), aging, and jobs held back by their tenant's in-flight cap.
    expect(started.size).toBeGreaterThan(300);
    expect(stats.fromQueue).toBeGreaterThan(50);
    expect(stats.rejected).toBeGreaterThan(0);
    expect(stats.promoted).toBeGreaterThan(0);
    expect(stats.heldByCap).toBeGreaterThan(0);

    // Drain: every waiting job eventually starts (each lists a backend with slots), then ends.
    while (running.size > 0) {
      finishOne();
      checkInvariants();
    }
    expect(waiting).toEqual([]);
    expect(s.queued).toBe(0);
    expect(s.running).toBe(0);
    // No leaked slot: a fresh tenant fills every (backend, model) to its configured slots at once.
    for (const b of FAIR_BACKENDS) {
      for (const m of MODELS) {
        const n = slots.get(`${b}/${m}`) ?? 1;
        for (let i = 0; i < n; i++) {
          const d = s.submit({ id: `leak-${b}-${m}-${i}`, model: m, tenant: 'fresh', backends: [b] });
          if (d.type !== 'dispatch') expect.fail(`seed ${seed}: ${b}/${m} slot ${i + 1} of ${n} is not free`);
        }
        const over = s.submit({ id: `leak-${b}-${m}-over`, model: m, tenant: 'fresh', backends: [b] });
        expect(over.type).toBe('queued');
      }
    }

    function checkInvariants(): void {
      const fail = (what: string) => expect.fail(`seed ${seed}: ${what}`);
      const busy = new Map<string, number>();
      const inFlight = new Map<string, number>();
      for (const [id, b] of running) {
        if (s.get(id)?.state !== 'running') fail(`${id} should be running`);
        const spec = specs.get(id);
        const key = `${b}/${spec?.model}`;
        busy.set(key, (busy.get(key) ?? 0) + 1);
        const tenant = spec?.tenant ?? '';
        inFlight.set(tenant, (inFlight.get(tenant) ?? 0) + 1);
      }
      for (const [key, n] of busy) if (n > (slots.get(key) ?? 1)) fail(`${key} runs ${n}`);
      for (const [tenant, n] of inFlight) if (n > capOf(tenant)) fail(`${tenant} runs ${n} > its cap`);
      const positions = new Map<string, number[]>();
      const stillWaiting: string[] = [];
      for (const id of waiting) {
        const info = s.get(id);
        if (info?.state !== 'queued') continue;
        stillWaiting.push(id);
        const spec = specs.get(id);
        if (info.position === undefined) fail(`${id} waits without a position`);
        positions.set(info.model, [...(positions.get(info.model) ?? []), info.position ?? 0]);
        // Held back by its tenant's cap: the one reason a job may wait beside a free slot.
        if ((inFlight.get(spec?.tenant ?? '') ?? 0) >= capOf(spec?.tenant ?? '')) {
          stats.heldByCap++;
          continue;
        }
        for (const b of spec?.backends ?? []) {
          const key = `${b}/${info.model}`;
          if ((busy.get(key) ?? 0) < (slots.get(key) ?? 1)) fail(`${id} waits while ${key} has a free slot`);
        }
      }
      for (const [model, ps] of positions) {
        const sorted = [...ps].sort((a, b) => a - b);
        if (sorted.some((p, i) => p !== i + 1)) fail(`positions of ${model} are ${sorted.join(',')}`);
      }
      waiting = stillWaiting;
      if (s.queued !== stillWaiting.length) fail(`queued ${s.queued}, expected ${stillWaiting.length}`);
      if (s.running !== running.size) fail(`running ${s.running}, expected ${running.size}`);
    }
  });
});
