// OpenAI Chat Completions and Embeddings through the gateway, driven by the official SDK.
import OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { postJson, sharedStack } from '../helpers/stack.js';

const stack = sharedStack();
let client: OpenAI;
beforeAll(() => {
  client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'test-key', maxRetries: 0 });
});

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('OpenAI SDK against the gateway', () => {
  it('creates a completion', async () => {
    const completion = await client.chat.completions.create({
      model: 'llama3.2',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello [[sim:reply Hi there!]]' },
      ],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'Hi there!' });
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('streams with usage, also after waiting in the queue', async () => {
    const held = postJson(`${stack.url}/api/chat`, {
      model: 'llama3.2',
      stream: false,
      messages: [{ role: 'user', content: '[[sim:hold]]' }],
    });
    await stack.hosts[0]!.control.waitFor('request_held');
    const queued = new Promise<void>((resolve) => {
      const off = stack.corral.scheduler.on('queued', () => {
        off();
        resolve();
      });
    });
    const streamPromise = client.chat.completions.create({
      model: 'llama3.2',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Hi [[sim:reply one two three]]' }],
    });
    await queued;
    stack.hosts[0]!.control.releaseAll();
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of await streamPromise) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('one two three');
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    await held;
  });

  it('the raw stream carries queue comments while waiting and ends with [DONE]', async () => {
    const held = postJson(`${stack.url}/api/chat`, {
      model: 'llama3.2',
      stream: false,
      messages: [{ role: 'user', content: '[[sim:hold]]' }],
    });
    await stack.hosts[0]!.control.waitFor('request_held');
    const res = await postJson(`${stack.url}/v1/chat/completions`, {
      model: 'llama3.2',
      stream: true,
      messages: [{ role: 'user', content: 'x [[sim:reply ok]]' }],
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    stack.hosts[0]!.control.releaseAll();
    const body = await res.text();
    expect(body.startsWith(': queue position 1')).toBe(true);
    expect(body.trimEnd().endsWith('data: [DONE]')).toBe(true);
    await held;
  });

  it('runs a tool round trip with content:null on the assistant turn', async () => {
    const first = await client.chat.completions.create({
      model: 'llama3.2',
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'Weather in Paris? [[sim:tool get_weather {"city":"Paris"}]]' }],
    });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    const call = choice.message.tool_calls?.[0];
    expect(call?.type).toBe('function');
    if (call?.type !== 'function') throw new Error('no function call');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });

    const second = await client.chat.completions.create({
      model: 'llama3.2',
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: '18 degrees' },
      ],
    });
    expect(second.choices[0]!.finish_reason).toBe('stop');
  });

  it('streams parallel tool calls with index, id and string arguments', async () => {
    const stream = await client.chat.completions.create({
      model: 'llama3.2',
      stream: true,
      tools: [weatherTool],
      messages: [
        {
          role: 'user',
          content: 'x [[sim:tool get_weather {"city":"Oslo"}]] [[sim:tool get_weather {"city":"Rome"}]]',
        },
      ],
    });
    const calls: Array<{ index: number; id?: string; arguments?: string }> = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const c of chunk.choices[0]?.delta.tool_calls ?? [])
        calls.push({ index: c.index, id: c.id, arguments: c.function?.arguments });
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(calls.map((c) => c.index)).toEqual([0, 1]);
    expect(calls.every((c) => typeof c.id === 'string' && c.id.length > 0)).toBe(true);
    expect(calls.map((c) => JSON.parse(c.arguments ?? ''))).toEqual([{ city: 'Oslo' }, { city: 'Rome' }]);
    expect(finish).toBe('tool_calls');
  });

  it('honours response_format json_object', async () => {
    const completion = await client.chat.completions.create({
      model: 'llama3.2',
      response_format: { type: 'json_object' },
      messages: [{ role: 'user', content: 'Give me JSON' }],
    });
    expect(() => JSON.parse(completion.choices[0]!.message.content ?? '')).not.toThrow();
  });

  it('embeds and lists models', async () => {
    const embedded = await client.embeddings.create({ model: 'all-minilm', input: ['hello', 'world'] });
    expect(embedded.data).toHaveLength(2);
    expect(embedded.data[1]!.index).toBe(1);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain('llama3.2:latest');
    const one = await client.models.retrieve('llama3.2');
    expect(one.id).toBe('llama3.2:latest');
  });

  it('maps errors to the SDK error classes', async () => {
    await expect(
      client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(
      client.chat.completions.create({ model: 'llama3.2', messages: 'x' as never }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    const unknown = await fetch(`${stack.url}/v1/nothing`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { type: 'not_found_error' } });
  });

  it('a streamed failure after output raises in the SDK', async () => {
    const stream = await client.chat.completions.create({
      model: 'llama3.2',
      stream: true,
      messages: [{ role: 'user', content: 'x [[sim:fail_after 2 boom]]' }],
    });
    await expect(
      (async () => {
        for await (const _chunk of stream) {
          // consume
        }
      })(),
    ).rejects.toThrow(/boom/);
  });
});
