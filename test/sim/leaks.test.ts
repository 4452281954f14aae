// Robustness (DESIGN.md §6 "no leaked slots after faults"): a burst of requests over two models,
// with clients leaving at arbitrary moments (queued, loading, generating), leaves no slot, lease
// or queue entry behind.
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/sim/index.js';
import { closeAll, json, post, startSim, user } from './helpers.js';

afterEach(closeAll);

/** Resolves once no request is active or queued, checking again on every end event (no polling). */
function settled(emu: Emulator): Promise<void> {
  const idle = (): boolean => {
    const s = emu.control.stats();
    return Object.keys(s.active).length === 0 && Object.keys(s.queued).length === 0;
  };
  return new Promise((resolve) => {
    if (idle()) return resolve();
    const offs = [
      emu.control.on('request_finished', () => check()),
      emu.control.on('request_aborted', () => check()),
    ];
    const check = (): void => {
      if (!idle()) return;
      for (const off of offs) off();
      resolve();
    };
  });
}

describe('no leaks after client aborts', () => {
  it('frees every slot and queue place', async () => {
    const emu = await startSim({ parallel: 2, loadMs: 5, maxLoadedModels: 1 });
    const requests = Array.from({ length: 36 }, (_, i) => {
      const ac = new AbortController();
      const model = i % 3 === 0 ? 'qwen3:8b' : 'llama3.2';
      const body = JSON.stringify({
        model,
        messages: [user(`n${i} [[sim:long 20]] [[sim:slow 1]]`)],
        stream: i % 2 === 0,
      });
      const done = fetch(`${emu.url}/api/chat`, { method: 'POST', body, signal: ac.signal })
        .then((r) => r.text())
        .catch(() => 'aborted');
      if (i % 4 === 1) setTimeout(() => ac.abort(), (i * 7) % 40);
      return done;
    });
    await Promise.all(requests);
    await settled(emu);
    for (const r of emu.runner.scheduler.runners()) {
      expect(r.slots.busy).toBe(0);
      expect(r.slots.waiting).toBe(0);
      expect(r.refs).toBe(0);
    }
    // And the emulator still serves normally.
    const after = json(
      await post(emu, '/api/chat', { model: 'llama3.2', messages: [user('still alive?')], stream: false }),
    );
    expect(after).toMatchObject({ done: true, done_reason: 'stop' });
    const s = emu.control.stats();
    expect(s.served + s.aborted).toBeGreaterThanOrEqual(27);
  });
});
