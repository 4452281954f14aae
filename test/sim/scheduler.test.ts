// §8 item 4 of reference/ollama-api.md: slots, the pending-load queue, loads, keep-alive,
// eviction and reloads. Ordering is asserted with control-plane events, never with wall-clock bounds.
import { afterEach, describe, expect, it } from 'vitest';
import type { SimEvent } from '../../src/sim/index.js';
import { closeAll, get, json, post, startSim, user } from './helpers.js';

afterEach(closeAll);

function record(
  emu: { control: { on: (t: SimEvent['type'], fn: (e: SimEvent) => void) => () => void } },
  types: SimEvent['type'][],
): string[] {
  const log: string[] = [];
  for (const t of types) {
    emu.control.on(t, (e) => log.push(`${e.type}:${'id' in e ? e.id : e.model}`));
  }
  return log;
}

const chat = (content: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: 'llama3.2',
  messages: [user(content)],
  stream: false,
  ...extra,
});

describe('per-model slots (§4.2)', () => {
  it('a second request to a 1-slot model starts only after the first ends', async () => {
    const emu = await startSim();
    const log = record(emu, ['request_started', 'request_finished']);
    const held = emu.control.waitFor('request_held');
    const first = post(emu, '/api/chat', chat('[[sim:hold first]]'));
    const heldEvent = await held;
    const queued = emu.control.waitFor('request_queued', (e) => e.waitingFor === 'slot');
    const second = post(emu, '/api/chat', chat('second'));
    const q = await queued;
    expect(emu.control.stats()).toMatchObject({
      active: { 'llama3.2:latest': 1 },
      queued: { 'llama3.2:latest': 1 },
    });
    expect(log).toEqual([`request_started:${heldEvent.id}`]);
    expect(emu.control.release('first')).toBe(1);
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect(log).toEqual([
      `request_started:${heldEvent.id}`,
      `request_finished:${heldEvent.id}`,
      `request_started:${q.id}`,
      `request_finished:${q.id}`,
    ]);
    expect(emu.control.stats()).toMatchObject({ active: {}, queued: {}, served: 2 });
  });

  it('parallel N lets N requests generate at once and queues the next one FIFO', async () => {
    const emu = await startSim({ parallel: 2 });
    const started: string[] = [];
    emu.control.on('request_started', (e) => started.push(e.id));
    let heldCount = 0;
    const bothHeld = new Promise<void>((resolve) =>
      emu.control.on('request_held', () => ++heldCount === 2 && resolve()),
    );
    const a = post(emu, '/api/chat', chat('[[sim:hold g]] a'));
    const b = post(emu, '/api/chat', chat('[[sim:hold g]] b'));
    await bothHeld;
    const queued = emu.control.waitFor('request_queued', (e) => e.waitingFor === 'slot');
    const c = post(emu, '/api/chat', chat('c'));
    const cq = await queued;
    expect(started).toHaveLength(2);
    expect(emu.control.releaseAll()).toBe(2);
    await Promise.all([a, b, c]);
    expect(started[2]).toBe(cq.id);
  });

  it('embedding models always get one slot', async () => {
    const emu = await startSim({ parallel: 4 });
    await post(emu, '/api/embed', { model: 'all-minilm', input: 'x' });
    await post(emu, '/api/chat', { model: 'llama3.2', messages: [] });
    const runners = emu.runner.scheduler.runners();
    expect(Object.fromEntries(runners.map((r) => [r.model.name, r.slots.size]))).toEqual({
      'all-minilm:latest': 1,
      'llama3.2:latest': 4,
    });
  });
});

describe('loads (§2.2, §4.7)', () => {
  it('reports load_duration only for requests that waited for the load', async () => {
    const emu = await startSim({ loadMs: 30 });
    const [a, b] = await Promise.all([
      post(emu, '/api/chat', chat('one')),
      post(emu, '/api/chat', chat('two')),
    ]);
    expect(Number(json(a).load_duration)).toBeGreaterThan(0);
    expect(Number(json(b).load_duration)).toBeGreaterThan(0);
    const c = json(await post(emu, '/api/chat', chat('three')));
    expect(c).not.toHaveProperty('load_duration');
    expect(Number(c.total_duration)).toBeGreaterThan(0);
    expect(emu.control.stats().loads).toBe(1);
  });

  it('takes per-model load-time overrides', async () => {
    const emu = await startSim({ loadMs: 0, loadMsByModel: { 'QWEN3:8b': 15 } });
    const loads: Array<[string, number]> = [];
    emu.control.on('model_loaded', (e) => loads.push([e.model, e.loadMs]));
    await post(emu, '/api/chat', chat('a'));
    const r = json(await post(emu, '/api/chat', chat('b', { model: 'qwen3:8b' })));
    expect(loads).toEqual([
      ['llama3.2:latest', 0],
      ['qwen3:8b', 15],
    ]);
    expect(Number(r.load_duration)).toBeGreaterThanOrEqual(15e6);
  });

  it('loads one model at a time', async () => {
    const emu = await startSim({ loadMs: 20 });
    const log = record(emu, ['model_loading', 'model_loaded']);
    await Promise.all([
      post(emu, '/api/chat', chat('a')),
      post(emu, '/api/chat', chat('b', { model: 'qwen3:8b' })),
    ]);
    expect(log).toEqual([
      'model_loading:llama3.2:latest',
      'model_loaded:llama3.2:latest',
      'model_loading:qwen3:8b',
      'model_loaded:qwen3:8b',
    ]);
  });

  it('answers 503 when the pending-load queue is full (two spaces in the text)', async () => {
    const emu = await startSim({ loadMs: 60_000, maxQueue: 1 });
    const clients = [new AbortController(), new AbortController()];
    const loading = emu.control.waitFor('model_loading');
    const a = fetch(`${emu.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify(chat('a')),
      signal: clients[0]?.signal,
    }).catch(() => undefined);
    await loading; // the head request left the queue and is loading
    const queued = emu.control.waitFor('request_queued', (e) => e.model === 'qwen3:8b');
    const b = fetch(`${emu.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify(chat('b', { model: 'qwen3:8b' })),
      signal: clients[1]?.signal,
    }).catch(() => undefined);
    await queued;
    const c = await post(emu, '/api/chat', chat('c', { model: 'llava:7b' }));
    expect(c.status).toBe(503);
    expect(JSON.parse(c.text)).toEqual({
      error: 'server busy, please try again.  maximum pending requests exceeded',
    });
    // A request for the model that is loading joins that load instead of queueing (§4.3).
    const joined = emu.control.waitFor('request_queued', (e) => e.model === 'llama3.2:latest');
    const d = fetch(`${emu.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify(chat('d')),
      signal: clients[0]?.signal,
    }).catch(() => undefined);
    await joined;
    const aborted = emu.control.waitFor('model_unloaded', (e) => e.reason === 'load_aborted');
    for (const ac of clients) ac.abort();
    await Promise.all([a, b, d]);
    expect(await aborted).toMatchObject({ model: 'llama3.2:latest' });
    expect(emu.control.stats().rejected).toBe(1);
  });
});

describe('the default pending-load queue (§4.1, OLLAMA_MAX_QUEUE)', () => {
  it('holds 512 requests; the next one gets the 503', async () => {
    // No maxQueue option: the default must be 512. The head request loads for a minute; the
    // others need a reload (another num_ctx), so they wait in the pending-load queue behind it.
    const emu = await startSim({ loadMs: 60_000 });
    expect(emu.runner.settings.maxQueue).toBe(512); // the resolved option; the behaviour follows
    const client = new AbortController();
    const send = (options?: Record<string, unknown>): Promise<unknown> =>
      fetch(`${emu.url}/api/chat`, {
        method: 'POST',
        body: JSON.stringify(chat('q', options ? { options } : {})),
        signal: client.signal,
      }).catch(() => undefined);
    const rejected: string[] = [];
    let queued = 0;
    let settle: () => void = () => undefined;
    // Settles when all are queued, or at once if one is refused (a smaller default fails fast).
    const all = new Promise<void>((resolve) => (settle = resolve));
    emu.control.on('queue_full', (e) => {
      rejected.push(e.model);
      settle();
    });
    emu.control.on('request_queued', () => ++queued === 513 && settle());

    const loading = emu.control.waitFor('model_loading');
    const inFlight = [send()];
    await loading; // the head request left the queue and is loading
    for (let i = 0; i < 512; i++) inFlight.push(send({ num_ctx: 2048 }));
    await all;
    expect(rejected).toEqual([]);
    expect(emu.control.stats().queued).toEqual({ 'llama3.2:latest': 513 });

    const over = await post(emu, '/api/chat', chat('one too many', { options: { num_ctx: 2048 } }));
    expect(over.status).toBe(503);
    expect(JSON.parse(over.text)).toEqual({
      error: 'server busy, please try again.  maximum pending requests exceeded',
    });
    expect(rejected).toEqual(['llama3.2:latest']);
    client.abort();
    await Promise.all(inFlight);
  });
});

describe('keep-alive (§2.8)', () => {
  it('the latest keep_alive wins and the model unloads when it expires, visible in /api/ps', async () => {
    const emu = await startSim();
    await post(emu, '/api/chat', chat('x', { keep_alive: '1h' }));
    const ps1 = json(await get(emu, '/api/ps')) as { models: Array<{ name: string; expires_at: string }> };
    expect(ps1.models.map((m) => m.name)).toEqual(['llama3.2:latest']);
    expect(Date.parse(ps1.models[0]?.expires_at ?? '')).toBeGreaterThan(Date.now() + 30 * 60_000);
    const expired = emu.control.waitFor('model_unloaded');
    await post(emu, '/api/chat', chat('y', { keep_alive: '30ms' }));
    expect(await expired).toMatchObject({ model: 'llama3.2:latest', reason: 'expired' });
    expect(json(await get(emu, '/api/ps'))).toEqual({ models: [] });
  });

  it('keep_alive 0 unloads right after the response; a negative value keeps it forever', async () => {
    const emu = await startSim();
    const unloaded = emu.control.waitFor('model_unloaded');
    await post(emu, '/api/chat', chat('x', { keep_alive: 0 }));
    expect(await unloaded).toMatchObject({ reason: 'expired' });
    await post(emu, '/api/chat', chat('x', { keep_alive: -1 }));
    const ps = json(await get(emu, '/api/ps')) as { models: Array<{ expires_at: string }> };
    expect(Number(ps.models[0]?.expires_at.slice(0, 4))).toBeGreaterThan(2200);
  });

  it('the keep-alive clock starts when the last in-flight request ends', async () => {
    const emu = await startSim({ parallel: 2, keepAlive: 0 });
    let unloaded = false;
    emu.control.on('model_unloaded', () => (unloaded = true));
    const held = emu.control.waitFor('request_held');
    const longOne = post(emu, '/api/chat', chat('[[sim:hold h]]'));
    await held;
    await post(emu, '/api/chat', chat('short'));
    expect(unloaded).toBe(false); // another request is still in flight
    const gone = emu.control.waitFor('model_unloaded');
    emu.control.release('h');
    await longOne;
    expect(await gone).toMatchObject({ reason: 'expired' });
  });
});

describe('eviction and reload (§4.4, §4.5)', () => {
  it('evicts the idle model with the shortest keep-alive when over maxLoadedModels', async () => {
    const emu = await startSim({ maxLoadedModels: 2 });
    await post(emu, '/api/chat', { model: 'llama3.2', keep_alive: '10m' });
    await post(emu, '/api/chat', { model: 'qwen3:8b', keep_alive: '5m' });
    const evicted = emu.control.waitFor('model_unloaded');
    await post(emu, '/api/chat', { model: 'llava:7b' });
    expect(await evicted).toMatchObject({ model: 'qwen3:8b', reason: 'evicted' });
    const ps = json(await get(emu, '/api/ps')) as { models: Array<{ name: string }> };
    expect(ps.models.map((m) => m.name).sort()).toEqual(['llama3.2:latest', 'llava:7b']);
  });

  it('waits for in-flight requests of the victim when none is idle', async () => {
    const emu = await startSim({ maxLoadedModels: 1 });
    const log = record(emu, ['request_finished', 'model_unloaded', 'model_loaded']);
    const held = emu.control.waitFor('request_held');
    const busy = post(emu, '/api/chat', chat('[[sim:hold v]]'));
    const h = await held;
    const queued = emu.control.waitFor('request_queued', (e) => e.model === 'qwen3:8b');
    const other = post(emu, '/api/chat', chat('q', { model: 'qwen3:8b' }));
    await queued;
    expect(log).toEqual(['model_loaded:llama3.2:latest']);
    emu.control.release('v');
    await Promise.all([busy, other]);
    expect(log.slice(0, 4)).toEqual([
      'model_loaded:llama3.2:latest',
      `request_finished:${h.id}`,
      'model_unloaded:llama3.2:latest',
      'model_loaded:qwen3:8b',
    ]);
  });

  it('reloads when num_ctx differs from the loaded runner, and reports the new context in /api/ps', async () => {
    const emu = await startSim({ loadMs: 10 });
    await post(emu, '/api/chat', chat('a'));
    const unloaded = emu.control.waitFor('model_unloaded');
    const loaded = emu.control.waitFor('model_loaded');
    const r = json(await post(emu, '/api/chat', chat('b', { options: { num_ctx: 8192 } })));
    expect(await unloaded).toMatchObject({ model: 'llama3.2:latest', reason: 'reload' });
    expect(await loaded).toMatchObject({ numCtx: 8192 });
    expect(Number(r.load_duration)).toBeGreaterThan(0);
    const ps = json(await get(emu, '/api/ps')) as { models: Array<{ context_length: number }> };
    expect(ps.models[0]?.context_length).toBe(8192);
    // Same options again: no reload.
    const again = json(await post(emu, '/api/chat', chat('c', { options: { num_ctx: 8192 } })));
    expect(again).not.toHaveProperty('load_duration');
    expect(emu.control.stats().loads).toBe(2);
  });
});
