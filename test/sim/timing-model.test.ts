// The timing model of docs/sim.md over HTTP: prompt tokens/s and the per-slot slowdown when several
// slots of a model are busy (reference/ollama-api.md §4.8). Bounds are ratios or lower bounds with
// wide margins: timers only ever fire late, and the machine may be loaded.
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/sim/index.js';
import { closeAll, json, post, startSim, user } from './helpers.js';

afterEach(closeAll);

interface Metrics {
  prompt_eval_count: number;
  prompt_eval_duration: number;
  eval_count: number;
  eval_duration: number;
  total_duration: number;
}

async function generate(emu: Emulator, prompt: string): Promise<Metrics> {
  const r = await post(emu, '/api/generate', { model: 'llama3.2', prompt, stream: false });
  expect(r.status).toBe(200);
  return json(r) as unknown as Metrics;
}

const words = (n: number): string => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');

describe('prompt tokens/s (promptTps)', () => {
  it('prompt_eval_duration is prompt_eval_count / promptTps, and is not part of eval_duration', async () => {
    const promptTps = 2000; // 0.5 ms per prompt token
    const emu = await startSim({ promptTps });
    const short = await generate(emu, words(96)); // 100 tokens → 50 ms
    const long = await generate(emu, words(396)); // 400 tokens → 200 ms
    expect([short.prompt_eval_count, long.prompt_eval_count]).toEqual([100, 400]);
    for (const m of [short, long]) {
      const expectedNs = (m.prompt_eval_count / promptTps) * 1e9;
      expect(m.prompt_eval_duration).toBeGreaterThanOrEqual(expectedNs - 1e4); // never early (10 µs for rounding)
      expect(m.total_duration).toBeGreaterThanOrEqual(m.prompt_eval_duration);
      expect(m.eval_duration).toBeLessThan(m.prompt_eval_duration); // tps 0: generation is instant
    }
    // Four times the prompt takes clearly longer (ideally 4×; late timers only shrink the ratio).
    expect(long.prompt_eval_duration / short.prompt_eval_duration).toBeGreaterThan(2);

    // The same prompt without promptTps is evaluated at once.
    const instant = await generate(await startSim({ promptTps: 0 }), words(396));
    expect(instant.prompt_eval_duration).toBeLessThan(long.prompt_eval_duration / 4);
  });
});

describe('per-slot speed with busy slots (§4.8)', () => {
  it('with parallel 2, each token takes (1 + slowdown) times as long while both slots generate', async () => {
    // 100 tok/s alone (10 ms/token); slowdown 2 → 100 / (1 + 2 × 1) ≈ 33 tok/s each when both are busy.
    const emu = await startSim({ parallel: 2, tps: 100, slowdown: 2 });
    const body = (content: string): Record<string, unknown> => ({
      model: 'llama3.2',
      messages: [user(content)],
      stream: false,
    });
    const perToken = (m: Metrics): number => m.eval_duration / m.eval_count;

    const alone = json(await post(emu, '/api/chat', body('[[sim:long 20]] alone'))) as unknown as Metrics;
    expect(alone.eval_count).toBe(20);

    // Hold both requests on their slots, then let them generate together.
    let held = 0;
    const bothHeld = new Promise<void>((resolve) =>
      emu.control.on('request_held', () => ++held === 2 && resolve()),
    );
    const pair = [
      post(emu, '/api/chat', body('[[sim:hold go]] [[sim:long 20]] a')),
      post(emu, '/api/chat', body('[[sim:hold go]] [[sim:long 20]] b')),
    ];
    await bothHeld;
    expect(emu.runner.scheduler.runners()[0]?.slots.busy).toBe(2);
    expect(emu.control.release('go')).toBe(2);
    const together = (await Promise.all(pair)).map((r) => json(r) as unknown as Metrics);

    for (const m of together) {
      expect(m.eval_count).toBe(20);
      // Ideally 3×; a generous band so that a loaded machine does not make it flaky.
      const ratio = perToken(m) / perToken(alone);
      expect(ratio).toBeGreaterThan(2);
      expect(ratio).toBeLessThan(6);
    }
  });
});
