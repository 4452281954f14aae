import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/sim/index.js';

// The compatibility layers inside the real emulator (createEmulator): the official SDKs talk to
// /v1 on a live engine, with scripted replies through `x-sim-script` and the control plane to
// observe aborts. Instant timing (tps 0, loadMs 0) so nothing here waits on a clock.

let sim: Emulator;
let openai: OpenAI;
let anthropic: Anthropic;

beforeEach(async () => {
  sim = await createEmulator({ tps: 0, loadMs: 0 });
  openai = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'ollama', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: sim.url, apiKey: 'ollama', maxRetries: 0 });
});

afterEach(async () => {
  await sim.close();
});

const script = (s: string) => ({ headers: { 'x-sim-script': s } });

describe('OpenAI SDK against the emulator', () => {
  it('non-streaming scripted reply', async () => {
    const c = await openai.chat.completions.create(
      { model: 'llama3.2', messages: [{ role: 'user', content: 'Hi' }] },
      script('reply Hello there.'),
    );
    expect(c.id).toMatch(/^chatcmpl-\d{1,3}$/);
    expect(c.model).toBe('llama3.2');
    expect(c.choices[0]?.message.content).toBe('Hello there.');
    expect(c.choices[0]?.finish_reason).toBe('stop');
    expect(c.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('streaming scripted reply, with include_usage', async () => {
    const stream = openai.chat.completions.stream(
      {
        model: 'llama3.2',
        messages: [{ role: 'user', content: 'Hi' }],
        stream_options: { include_usage: true },
      },
      script('reply One two three.'),
    );
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe('One two three.');
    expect(final.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('tools round trip with a scripted tool call', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
    ];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather?' }];
    const first = await openai.chat.completions
      .stream(
        { model: 'qwen3:8b', messages, tools, reasoning_effort: 'none' },
        script('tool get_weather {"city":"Paris"}'),
      )
      .finalChatCompletion();
    const choice = first.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    const call = choice?.message.tool_calls?.[0];
    if (choice === undefined || call?.type !== 'function') throw new Error('no tool call');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });
    messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: '21C' });
    const second = await openai.chat.completions.create(
      { model: 'qwen3:8b', messages, tools, reasoning_effort: 'none' },
      script('reply Sunny.'),
    );
    expect(second.choices[0]?.message.content).toBe('Sunny.');
  });

  it('errors: unknown model 404, tools on a model without tools 400, thinking on a non-thinking model 400', async () => {
    await expect(
      openai.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'Hi' }] }),
    ).rejects.toMatchObject({
      status: 404,
      type: 'not_found_error',
    });
    await expect(
      openai.chat.completions.create({
        model: 'llava:7b',
        messages: [{ role: 'user', content: 'Hi' }],
        tools: [{ type: 'function', function: { name: 'f' } }],
      }),
    ).rejects.toMatchObject({ status: 400, type: 'invalid_request_error' });
    await expect(
      openai.chat.completions.create({
        model: 'llama3.2',
        messages: [{ role: 'user', content: 'Hi' }],
        reasoning_effort: 'high',
      }),
    ).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('does not support thinking') as unknown,
    });
  });

  it('fail_before surfaces as the HTTP status; fail_after ends the stream without [DONE]', async () => {
    await expect(
      openai.chat.completions.create(
        { model: 'llama3.2', messages: [{ role: 'user', content: 'Hi' }] },
        script('fail_before 500 runner crashed'),
      ),
    ).rejects.toMatchObject({ status: 500, type: 'api_error' });
    const res = await fetch(`${sim.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-sim-script': 'fail_after 2' },
      body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain('[DONE]');
    expect(text).toContain('"model":""');
  });

  it('models and embeddings', async () => {
    const ids: string[] = [];
    for await (const m of openai.models.list()) ids.push(m.id);
    expect(ids).toEqual(expect.arrayContaining(['llama3.2:latest', 'qwen3:8b', 'all-minilm:latest']));
    expect((await openai.models.retrieve('qwen3:8b')).owned_by).toBe('library');
    const e = await openai.embeddings.create({ model: 'all-minilm', input: ['a', 'b'] });
    expect(e.data).toHaveLength(2);
    expect(e.data[0]?.embedding).toHaveLength(384);
  });

  it('a client disconnect aborts the generation in the engine', async () => {
    const aborted = sim.control.waitFor('request_aborted');
    const ac = new AbortController();
    const res = await fetch(`${sim.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-sim-script': '[[sim:long 1000]] [[sim:slow 20]]' },
      body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
      signal: ac.signal,
    });
    await res.body?.getReader().read();
    ac.abort();
    expect((await aborted).endpoint).toBe('chat');
  });
});

describe('Anthropic SDK against the emulator', () => {
  it('non-streaming and streaming text', async () => {
    const msg = await anthropic.messages.create(
      { model: 'llama3.2', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] },
      script('reply Hello.'),
    );
    expect(msg.id).toMatch(/^msg_[0-9a-f]{24}$/);
    expect(msg.content).toEqual([{ type: 'text', text: 'Hello.' }]);
    expect(msg.stop_reason).toBe('end_turn');
    const streamed = await anthropic.messages
      .stream(
        { model: 'llama3.2', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] },
        script('reply Streamed hello.'),
      )
      .finalMessage();
    expect(streamed.content).toEqual([{ type: 'text', text: 'Streamed hello.' }]);
    expect(streamed.usage.output_tokens).toBeGreaterThan(0);
  });

  it('thinking then a tool call, streamed: blocks at indexes 0 and 1, stop_reason tool_use', async () => {
    const tools: Anthropic.Tool[] = [{ name: 'get_weather', input_schema: { type: 'object' } }];
    const msg = await anthropic.messages
      .stream(
        {
          model: 'qwen3:8b',
          max_tokens: 200,
          messages: [{ role: 'user', content: 'Weather?' }],
          tools,
          thinking: { type: 'enabled', budget_tokens: 1024 },
        },
        script('[[sim:think Checking the weather.]] [[sim:tool get_weather {"city":"Paris"}]]'),
      )
      .finalMessage();
    expect(msg.content.map((b) => b.type)).toEqual(['thinking', 'tool_use']);
    expect(msg.content[1]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
    expect(msg.stop_reason).toBe('tool_use');
  });

  it('thinking requested of a non-thinking model is relaxed on this endpoint', async () => {
    const msg = await anthropic.messages.create(
      {
        model: 'llama3.2',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'Hi' }],
        thinking: { type: 'enabled', budget_tokens: 1024 },
      },
      script('reply Fine.'),
    );
    expect(msg.content).toEqual([{ type: 'text', text: 'Fine.' }]);
  });

  it('errors: unknown model → not_found_error; fail_before 503 → overloaded_error', async () => {
    await expect(
      anthropic.messages.create({
        model: 'nope',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    ).rejects.toMatchObject({
      status: 404,
      error: { type: 'error', error: { type: 'not_found_error', message: "model 'nope' not found" } },
    });
    await expect(
      anthropic.messages.create(
        { model: 'llama3.2', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] },
        script('fail_before 503 busy'),
      ),
    ).rejects.toMatchObject({ status: 503, error: { error: { type: 'overloaded_error' } } });
  });
});
