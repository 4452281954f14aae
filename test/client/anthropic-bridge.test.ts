// AnthropicBridge through the official SDK, with the emulator's own `/v1/messages` (Ollama's
// Anthropic compatibility layer) standing in for the cloud: nothing of ours answers it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnthropicBridge } from '../../src/client/index.js';
import { isCorralError } from '../../src/core/errors.js';
import { createEmulator } from '../../src/sim/index.js';
import type { Emulator } from '../../src/sim/index.js';

let cloud: Emulator;
let bridge: AnthropicBridge;
beforeAll(async () => {
  cloud = await createEmulator({ tps: 0, loadMs: 0 });
  bridge = new AnthropicBridge({ model: 'llama3.2', apiKey: 'test-key', baseURL: cloud.url, maxRetries: 0 });
});
afterAll(async () => {
  cloud.control.releaseAll();
  await cloud.close();
});

describe('AnthropicBridge', () => {
  it('streams text and returns the whole message', async () => {
    const pieces: string[] = [];
    const response = await bridge.generateResponse(
      [{ role: 'user', content: 'Hi [[sim:reply one two three]]' }],
      {
        system: 'Be brief.',
        dynamicContent: 'It is Monday.',
        onText: (t) => pieces.push(t),
      },
    );
    expect(bridge.extractTextContent(response)).toBe('one two three');
    expect(pieces.join('')).toBe('one two three');
    expect(response).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn' });
    expect(response.usage.output_tokens).toBeGreaterThan(0);
  });

  it('returns tool calls', async () => {
    const response = await bridge.generateResponse(
      [{ role: 'user', content: 'Weather? [[sim:tool get_weather {"city":"Oslo"}]]' }],
      {
        tools: [
          {
            name: 'get_weather',
            description: 'Weather',
            input_schema: { type: 'object', properties: { city: { type: 'string' } } },
          },
        ],
      },
    );
    expect(response.stop_reason).toBe('tool_use');
    expect(bridge.extractToolCalls(response)).toEqual([
      { id: expect.any(String), toolName: 'get_weather', input: { city: 'Oslo' } },
    ]);
  });

  it('maps API errors to kinds and rejects with the abort reason', async () => {
    const missing = new AnthropicBridge({
      model: 'no-such-model',
      apiKey: 'k',
      baseURL: cloud.url,
      maxRetries: 0,
    });
    const err: unknown = await missing
      .generateResponse([{ role: 'user', content: 'hi' }])
      .catch((e: unknown) => e);
    expect(isCorralError(err) && err.kind).toBe('not_found');
    const controller = new AbortController();
    const held = cloud.control.waitFor('request_held');
    const call = bridge
      .generateResponse([{ role: 'user', content: '[[sim:hold]]' }], { signal: controller.signal })
      .catch((e: unknown) => e);
    await held;
    controller.abort(new Error('stop'));
    expect(((await call) as Error).message).toBe('stop');
  });
});
