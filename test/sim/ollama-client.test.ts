// The official ollama-js client against the emulator: list, show, ps, chat (streamed and not),
// generate, embed. If the client can parse it, so can Open WebUI and friends.
import { Ollama } from 'ollama';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, startSim } from './helpers.js';

afterEach(closeAll);

describe('official ollama client', () => {
  it('list, show and ps', async () => {
    const emu = await startSim();
    const client = new Ollama({ host: emu.url });
    const { models } = await client.list();
    expect(models.map((m) => m.name)).toContain('qwen3:8b');
    const shown = await client.show({ model: 'qwen3:8b' });
    expect(shown.capabilities).toContain('thinking');
    expect(shown.details.family).toBe('qwen3');
    await client.chat({ model: 'llama3.2', messages: [] });
    const ps = await client.ps();
    expect(ps.models.map((m) => m.name)).toEqual(['llama3.2:latest']);
  });

  it('chat, not streamed and streamed', async () => {
    const emu = await startSim();
    const client = new Ollama({ host: emu.url });
    const whole = await client.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hello' }] });
    expect(whole.done).toBe(true);
    expect(whole.message.content.length).toBeGreaterThan(0);
    let text = '';
    let final: { done_reason?: string; eval_count?: number } | undefined;
    for await (const part of await client.chat({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hello' }],
      stream: true,
    })) {
      text += part.message.content;
      if (part.done) final = part;
    }
    expect(text).toBe(whole.message.content);
    expect(final).toMatchObject({ done_reason: 'stop', eval_count: whole.eval_count });
  });

  it('chat with thinking and a tool call', async () => {
    const emu = await startSim();
    const client = new Ollama({ host: emu.url });
    const r = await client.chat({
      model: 'qwen3:8b',
      messages: [{ role: 'user', content: 'weather? [[sim:tool get_weather {"city":"Tokyo"}]]' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'd',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ],
    });
    expect(r.message.thinking).toBeTruthy();
    expect(r.message.tool_calls?.[0]?.function).toMatchObject({
      name: 'get_weather',
      arguments: { city: 'Tokyo' },
    });
  });

  it('generate and embed', async () => {
    const emu = await startSim();
    const client = new Ollama({ host: emu.url });
    const g = await client.generate({ model: 'llama3.2', prompt: '[[sim:reply Hello from the sim]]' });
    expect(g.response).toBe('Hello from the sim');
    const e = await client.embed({ model: 'all-minilm', input: ['first text', 'second text'] });
    expect(e.embeddings).toHaveLength(2);
    expect(e.embeddings[0]).toHaveLength(384);
    expect(Math.hypot(...(e.embeddings[0] ?? []))).toBeCloseTo(1, 6);
  });

  it('surfaces a mid-stream error line as an error', async () => {
    const emu = await startSim();
    const client = new Ollama({ host: emu.url });
    const consume = async (): Promise<void> => {
      for await (const _ of await client.chat({
        model: 'llama3.2',
        messages: [{ role: 'user', content: '[[sim:fail_after 1 boom]]' }],
        stream: true,
      })) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow('boom');
  });
});
