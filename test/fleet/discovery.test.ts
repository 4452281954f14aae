import { afterEach, describe, expect, it } from 'vitest';
import type { BackendView } from '../../src/core/fleet.js';
import { chat, startFleet } from './fleet-stack.js';
import type { FleetStack } from './fleet-stack.js';

let stack: FleetStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

function view(s: FleetStack, name: string): BackendView | undefined {
  return s.corral.gateway.fleet.snapshot().backends.find((b) => b.name === name);
}

describe('fleet discovery', () => {
  it('knows before the first request what each host has installed and loaded, and its version', async () => {
    stack = await startFleet([
      { sim: { models: ['llama3.2', 'qwen3:8b'], version: '0.12.10' }, preload: ['qwen3:8b'] },
      { sim: { models: ['all-minilm'] }, backend: { weight: 2, maxParallel: 3 } },
    ]);
    expect(view(stack, 'sim-1')).toMatchObject({
      circuit: 'closed',
      discovered: true,
      version: '0.12.10',
      installed: expect.arrayContaining(['llama3.2:latest', 'qwen3:8b']),
      loaded: [{ name: 'qwen3:8b', expiresAt: expect.any(String) }],
    });
    expect(view(stack, 'sim-2')).toMatchObject({
      installed: ['all-minilm:latest'],
      loaded: [],
      weight: 2,
      slotsPerModel: 3,
    });
  });

  it("refreshes a host after a request's outcome and measures its service time", async () => {
    stack = await startFleet([{}]);
    const s = stack;
    expect(view(s, 'sim-1')?.loaded).toEqual([]);
    const refreshed = s.nextFleetEvent((e) => e.type === 'refreshed');
    const res = await chat(s, 'd1', 'llama3.2', 'x [[sim:reply ok]]');
    await res.text();
    await refreshed;
    const after = view(s, 'sim-1');
    expect(after?.loaded.map((m) => m.name)).toEqual(['llama3.2:latest']);
    expect(after?.loaded[0]?.expiresAt).not.toBe('');
    expect(after?.perf['llama3.2:latest']?.serviceMs).toBeGreaterThanOrEqual(0);
  });

  it('refreshes on its timer without any request', async () => {
    stack = await startFleet([{}], { refreshMs: 20 });
    const s = stack;
    // Loaded behind the gateway's back: only a refresh can tell.
    const loaded = s.nextFleetEvent(
      (e) => e.type === 'refreshed' && (view(s, 'sim-1')?.loaded.length ?? 0) > 0,
    );
    await (
      await fetch(`${s.hosts[0]!.url}/api/chat`, {
        method: 'POST',
        body: JSON.stringify({ model: 'llava:7b', messages: [] }),
      })
    ).text();
    await loaded;
    expect(view(s, 'sim-1')?.loaded.map((m) => m.name)).toEqual(['llava:7b']);
  });
});
