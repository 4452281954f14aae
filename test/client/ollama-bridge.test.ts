// OllamaBridge against the emulator on 127.0.0.1 (no gateway): the seed's message formatting, tool
// conversion and tool-call flow, the in-process queue's positions and stats, and cancellation.
import { afterEach, describe, expect, it } from 'vitest';
import { OllamaBridge } from '../../src/client/index.js';
import type { QueueNotice } from '../../src/client/index.js';
import { isCorralError } from '../../src/core/errors.js';
import { createEmulator } from '../../src/sim/index.js';
import type { Emulator } from '../../src/sim/index.js';

let sim: Emulator | undefined;
afterEach(async () => {
  sim?.control.releaseAll();
  await sim?.close();
  sim = undefined;
});

async function start(): Promise<{ sim: Emulator; bridge: OllamaBridge }> {
  sim = await createEmulator({ tps: 0, loadMs: 0 });
  return { sim, bridge: new OllamaBridge({ url: sim.url, model: 'llama3.2' }) };
}

interface SentBody {
  messages: Array<Record<string, unknown>>;
  tools?: Array<Record<string, unknown>>;
  options?: Record<string, unknown>;
  stream?: boolean;
}

const received = (s: Emulator): Promise<SentBody> =>
  s.control
    .waitFor('request_received', (e) => e.endpoint === 'chat')
    .then((e) => e.body as unknown as SentBody);

describe('OllamaBridge', () => {
  it('formats messages: system prompt with dynamic content first, then the turns', async () => {
    const { sim, bridge } = await start();
    const body = received(sim);
    const pieces: string[] = [];
    const response = await bridge.generateResponse(
      [
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: [{ type: 'text', text: 'Hi there!' }] },
        { role: 'user', content: 'More [[sim:reply Sure thing]]' },
      ],
      {
        system: 'You are helpful.',
        dynamicContent: 'User: Ann',
        temperature: 0.3,
        maxTokens: 50,
        onText: (t) => pieces.push(t),
      },
    );
    const sent = await body;
    expect(sent.messages).toEqual([
      { role: 'system', content: 'You are helpful.\n\nUser: Ann' },
      { role: 'user', content: 'Hello' },
      { role: 'assistant', content: 'Hi there!' },
      { role: 'user', content: 'More [[sim:reply Sure thing]]' },
    ]);
    expect(sent.options).toMatchObject({ temperature: 0.3, num_predict: 50 });
    expect(sent.stream).toBe(true);
    expect(response).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'llama3.2',
      stop_reason: 'end_turn',
    });
    expect(bridge.extractTextContent(response)).toBe('Sure thing');
    expect(pieces.join('')).toBe('Sure thing');
    expect(response.usage.input_tokens).toBeGreaterThan(0);
  });

  it('converts tools, returns the call as a tool_use block, and sends the result back as a tool message', async () => {
    const { sim, bridge } = await start();
    const tools = [
      {
        name: 'test_tool',
        description: 'A test tool',
        parameters: { type: 'object', properties: { test: { type: 'string' } } },
      },
    ];
    const body = received(sim);
    const ask = { role: 'user' as const, content: 'Test [[sim:tool test_tool {"test":"value"}]]' };
    const response = await bridge.generateResponse([ask], { tools });
    expect((await body).tools).toEqual([
      {
        type: 'function',
        function: { name: 'test_tool', description: 'A test tool', parameters: tools[0]!.parameters },
      },
    ]);
    expect(response.stop_reason).toBe('tool_use');
    expect(response.content).toEqual([
      { type: 'tool_use', id: expect.stringMatching(/^toolu_/), name: 'test_tool', input: { test: 'value' } },
    ]);
    const calls = bridge.extractToolCalls(response);
    expect(calls).toEqual([{ id: expect.any(String), toolName: 'test_tool', input: { test: 'value' } }]);

    const next = received(sim);
    await bridge.generateResponse(
      [
        ask,
        { role: 'assistant', content: response.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: calls[0]!.id, content: 'ok' }] },
      ],
      { tools },
    );
    const sent = await next;
    expect(sent.messages.slice(-2)).toEqual([
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          { id: calls[0]!.id, function: { index: 0, name: 'test_tool', arguments: { test: 'value' } } },
        ],
      },
      { role: 'tool', content: 'ok', tool_name: 'test_tool', tool_call_id: calls[0]!.id },
    ]);
  });

  it('queues in process: position while waiting, stats, then completion', async () => {
    const { sim, bridge } = await start();
    const held = sim.control.waitFor('request_held');
    const first = bridge.generateResponse([{ role: 'user', content: '[[sim:hold a]]' }]);
    await held;
    const notices: QueueNotice[] = [];
    let queued: () => void = () => {};
    const isQueued = new Promise<void>((resolve) => (queued = resolve));
    const second = bridge.generateResponse([{ role: 'user', content: 'hi [[sim:reply done]]' }], {
      onQueue: (n) => {
        notices.push(n);
        queued();
      },
    });
    await isQueued;
    expect(notices).toEqual([{ position: 1, ahead: 0 }]);
    expect(bridge.getQueueStats()).toMatchObject({
      queueSize: 1,
      activeRequests: 1,
      recentCompletions: 0,
      avgProcessingTimeMs: null,
    });
    sim.control.release('a');
    await first;
    expect(bridge.extractTextContent(await second)).toBe('done');
    const stats = bridge.getQueueStats();
    expect(stats).toMatchObject({ queueSize: 0, activeRequests: 0, recentCompletions: 2 });
    expect(stats.avgProcessingTimeMs).toBeGreaterThanOrEqual(0);
  });

  it('an abort stops a running generation upstream and frees the slot; a queued one leaves the queue', async () => {
    const { sim, bridge } = await start();
    const held = sim.control.waitFor('request_held');
    const running = new AbortController();
    const first = bridge
      .generateResponse([{ role: 'user', content: '[[sim:hold a]]' }], { signal: running.signal })
      .catch((e: unknown) => e);
    await held;
    const waiting = new AbortController();
    let onQueue: () => void = () => {};
    const isQueued = new Promise<void>((resolve) => (onQueue = resolve));
    const second = bridge
      .generateResponse([{ role: 'user', content: 'x' }], { signal: waiting.signal, onQueue })
      .catch((e: unknown) => e);
    await isQueued;
    waiting.abort(new Error('left the queue'));
    expect(((await second) as Error).message).toBe('left the queue');
    expect(bridge.getQueueStats()).toMatchObject({ queueSize: 0, activeRequests: 1 });
    const aborted = sim.control.waitFor('request_aborted');
    running.abort(new Error('stop'));
    expect(((await first) as Error).message).toBe('stop');
    expect((await aborted).phase).toBe('generating');
    expect(bridge.getQueueStats()).toMatchObject({ queueSize: 0, activeRequests: 0, recentCompletions: 0 });
  });

  it('a request that waits longer than maxWaitMs fails with timeout and leaves the queue', async () => {
    sim = await createEmulator({ tps: 0, loadMs: 0 });
    const bridge = new OllamaBridge({ url: sim.url, model: 'llama3.2', queueOptions: { maxWaitMs: 50 } });
    const held = sim.control.waitFor('request_held');
    const first = bridge.generateResponse([{ role: 'user', content: '[[sim:hold a]]' }]);
    await held;
    const err: unknown = await bridge
      .generateResponse([{ role: 'user', content: 'x' }])
      .catch((e: unknown) => e);
    expect(isCorralError(err) && err.kind).toBe('timeout');
    expect(bridge.getQueueStats()).toMatchObject({ queueSize: 0, activeRequests: 1 });
    sim.control.release('a');
    await first;
    expect(bridge.getQueueStats()).toMatchObject({ queueSize: 0, activeRequests: 0, recentCompletions: 1 });
  });

  it('breaking out of streamResponse frees the slot', async () => {
    const { sim, bridge } = await start();
    for await (const event of bridge.streamResponse([{ role: 'user', content: '[[sim:long 50]]' }])) {
      if (event.type === 'text') break;
    }
    expect(bridge.getQueueStats().activeRequests).toBe(0);
    expect(sim.url).toBeTruthy();
  });

  it('maps Ollama errors to kinds: unknown model, unreachable server, bad conversation', async () => {
    const { sim } = await start();
    const missing = new OllamaBridge({ url: sim.url, model: 'nope' });
    const err: unknown = await missing
      .generateResponse([{ role: 'user', content: 'hi' }])
      .catch((e: unknown) => e);
    expect(isCorralError(err) && err.kind).toBe('not_found');
    const down = new OllamaBridge({ url: 'http://127.0.0.1:9', model: 'llama3.2' });
    const err2: unknown = await down
      .generateResponse([{ role: 'user', content: 'hi' }])
      .catch((e: unknown) => e);
    expect(isCorralError(err2) && err2.kind).toBe('unavailable');
    const err3: unknown = await down.generateResponse([]).catch((e: unknown) => e);
    expect(isCorralError(err3) && err3.kind).toBe('invalid_request');
    expect(down.getQueueStats().activeRequests).toBe(0);
  });
});
