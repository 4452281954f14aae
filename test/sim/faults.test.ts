// §8 item 5 of reference/ollama-api.md (mid-stream failure, disconnect cancels) and the scripted
// replies of docs/sim.md.
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, json, lines, openStream, post, startSim, user } from './helpers.js';

afterEach(closeAll);

const chat = (content: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: 'llama3.2',
  messages: [user(content)],
  ...extra,
});

describe('failures (§3.3)', () => {
  it('fail_after: N chunks, then one {"error"} line with status 200 and no done line', async () => {
    const emu = await startSim();
    const r = await post(
      emu,
      '/api/chat',
      chat('[[sim:fail_after 2 an error was encountered while running the model: boom]]'),
    );
    expect(r.status).toBe(200);
    const out = lines(r.text);
    expect(out).toHaveLength(3);
    expect(out.slice(0, 2).every((c) => c.done === false)).toBe(true);
    expect(out[2]).toEqual({ error: 'an error was encountered while running the model: boom' });
    expect(emu.control.stats()).toMatchObject({ failed: 1, active: {} });
  });

  it('fail_after with stream:false returns the error status instead of partial output', async () => {
    const r = await post(await startSim(), '/api/chat', chat('[[sim:fail_after 2 boom]]', { stream: false }));
    expect(r.status).toBe(500);
    expect(JSON.parse(r.text)).toEqual({ error: 'boom' });
  });

  it('an error before any output keeps its status, as application/json without charset', async () => {
    const emu = await startSim();
    const before = await post(emu, '/api/chat', chat('[[sim:fail_before 503 runner overloaded]]'));
    expect(before).toMatchObject({
      status: 503,
      contentType: 'application/json',
      text: '{"error":"runner overloaded"}',
    });
    const zero = await post(emu, '/api/generate', { model: 'llama3.2', prompt: '[[sim:fail_after 0 boom]]' });
    expect(zero).toMatchObject({ status: 500, contentType: 'application/json', text: '{"error":"boom"}' });
  });
});

describe('client disconnect (§3.4)', () => {
  it('stops a generation at once and frees the slot', async () => {
    const emu = await startSim();
    const started = emu.control.waitFor('request_started');
    const s = openStream(emu, '/api/chat', chat('[[sim:long 1000000]] [[sim:slow 5]]'));
    const { id } = await started;
    expect(await s.firstLine).toContain('"done":false');
    const aborted = emu.control.waitFor('request_aborted');
    s.destroy();
    expect(await aborted).toMatchObject({ id, phase: 'generating', queued: false });
    const runner = emu.runner.scheduler.runners()[0];
    expect(runner?.slots.busy).toBe(0);
    expect(emu.control.stats()).toMatchObject({ active: {}, aborted: 1 });
    // The next request gets the slot without queueing.
    let queued = false;
    emu.control.on('request_queued', () => (queued = true));
    expect((await post(emu, '/api/chat', chat('next', { stream: false }))).status).toBe(200);
    expect(queued).toBe(false);
  });

  it('removes a request waiting for a slot from the line; it never runs', async () => {
    const emu = await startSim();
    const started: string[] = [];
    emu.control.on('request_started', (e) => started.push(e.id));
    const held = emu.control.waitFor('request_held');
    const first = post(emu, '/api/chat', chat('[[sim:hold a]]', { stream: false }));
    await held;
    const queued = emu.control.waitFor('request_queued');
    const s = openStream(emu, '/api/chat', chat('waiting'));
    const q = await queued;
    const aborted = emu.control.waitFor('request_aborted');
    s.destroy();
    expect(await aborted).toMatchObject({ id: q.id, phase: 'queued', queued: true });
    expect(emu.control.stats().queued).toEqual({});
    emu.control.release('a');
    await first;
    expect(started).not.toContain(q.id);
    expect(emu.runner.scheduler.runners()[0]?.slots.waiting).toBe(0);
  });

  it('aborts a load nobody waits for any more', async () => {
    const emu = await startSim({ loadMs: 60_000 });
    const loading = emu.control.waitFor('model_loading');
    const s = openStream(emu, '/api/chat', chat('x'));
    await loading;
    const unloaded = emu.control.waitFor('model_unloaded');
    const aborted = emu.control.waitFor('request_aborted');
    s.destroy();
    expect(await aborted).toMatchObject({ phase: 'queued' });
    expect(await unloaded).toMatchObject({ reason: 'load_aborted' });
    expect(emu.runner.scheduler.runners()).toEqual([]);
  });

  it('hang produces nothing until the client leaves', async () => {
    const emu = await startSim();
    const started = emu.control.waitFor('request_started');
    const s = openStream(emu, '/api/generate', { model: 'llama3.2', prompt: '[[sim:hang]]' });
    await started;
    const aborted = emu.control.waitFor('request_aborted');
    s.destroy();
    expect(await aborted).toMatchObject({ phase: 'generating' });
    expect(await s.done).toBe('');
  });
});

describe('scripted replies (docs/sim.md)', () => {
  it('hold waits for control.release(id)', async () => {
    const emu = await startSim();
    const held = emu.control.waitFor('request_held');
    const r = post(emu, '/api/chat', chat('[[sim:hold]] [[sim:reply done]]', { stream: false }));
    const h = await held;
    expect(emu.control.held()).toEqual([h.id]);
    expect(emu.control.release(h.id)).toBe(1);
    expect(json(await r).message).toMatchObject({ content: 'done' });
  });

  it('tool: one call with a call_ id and function.index, in a chunk before the final one', async () => {
    const emu = await startSim();
    const out = lines(
      (
        await post(
          emu,
          '/api/chat',
          chat('[[sim:tool get_weather {"city":"Paris"}]]', {
            tools: [{ type: 'function', function: { name: 'get_weather' } }],
          }),
        )
      ).text,
    );
    const last = out[out.length - 1] ?? {};
    const withCalls = out.filter((c) => (c.message as { tool_calls?: unknown }).tool_calls);
    expect(withCalls).toHaveLength(1);
    expect(withCalls[0]?.done).toBe(false);
    const calls = (withCalls[0]?.message as { tool_calls: Array<{ id: string; function: unknown }> })
      .tool_calls;
    expect(calls[0]?.id).toMatch(/^call_[a-z0-9]{8}$/);
    expect(calls[0]?.function).toEqual({ index: 0, name: 'get_weather', arguments: { city: 'Paris' } });
    expect(last).toMatchObject({ done: true, done_reason: 'stop' });
    expect(last.message).not.toHaveProperty('tool_calls');
  });

  it('parallel tool calls arrive together and are aggregated with stream:false', async () => {
    const emu = await startSim();
    const body = json(
      await post(emu, '/api/chat', chat('[[sim:tool a {"x":1}]][[sim:tool b {"y":2}]]', { stream: false })),
    );
    const calls = (body.message as { tool_calls: Array<{ function: { index: number; name: string } }> })
      .tool_calls;
    expect(calls.map((c) => [c.function.index, c.function.name])).toEqual([
      [0, 'a'],
      [1, 'b'],
    ]);
  });

  it('tool_final: the calls come only on the final done chunk (§2.11)', async () => {
    const emu = await startSim();
    const out = lines((await post(emu, '/api/chat', chat('[[sim:tool_final lookup {"q":"z"}]]'))).text);
    const last = out[out.length - 1] ?? {};
    expect(out.slice(0, -1).some((c) => (c.message as { tool_calls?: unknown }).tool_calls)).toBe(false);
    expect(last).toMatchObject({
      done: true,
      message: { tool_calls: [{ function: { index: 0, name: 'lookup', arguments: { q: 'z' } } }] },
    });
  });

  it('think forces thinking output, even on a model without thinking', async () => {
    const emu = await startSim();
    const body = json(
      await post(emu, '/api/chat', chat('[[sim:think let me see]] [[sim:reply ok]]', { stream: false })),
    );
    expect(body.message).toEqual({ role: 'assistant', content: 'ok', thinking: 'let me see' });
  });

  it('long N gives N tokens; slow MS paces them (lower bound only)', async () => {
    const emu = await startSim();
    const body = json(
      await post(emu, '/api/generate', {
        model: 'llama3.2',
        prompt: '[[sim:long 6]] [[sim:slow 20]]',
        stream: false,
      }),
    );
    expect(body.eval_count).toBe(6);
    expect(Number(body.eval_duration)).toBeGreaterThanOrEqual(100e6);
  });

  it('an unknown directive is a 400', async () => {
    const r = await post(await startSim(), '/api/chat', chat('[[sim:explode]]'));
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toEqual({
      error: 'invalid sim directive [[sim:explode]]: unknown directive "explode"',
    });
  });
});
