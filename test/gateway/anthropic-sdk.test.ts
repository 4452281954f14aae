// Anthropic Messages through the gateway, driven by the official SDK as an application would.
import Anthropic from '@anthropic-ai/sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { postJson, sharedStack } from '../helpers/stack.js';

const stack = sharedStack();
let client: Anthropic;
beforeAll(() => {
  client = new Anthropic({ baseURL: stack.url, apiKey: 'test-key', maxRetries: 0 });
});

const weatherTool = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('Anthropic SDK against the gateway', () => {
  it('creates a message', async () => {
    const message = await client.messages.create({
      model: 'llama3.2',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Hello [[sim:reply Hi there!]]' }],
    });
    expect(message.type).toBe('message');
    expect(message.id).toMatch(/^msg_/);
    expect(message.content).toMatchObject([{ type: 'text', text: 'Hi there!' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    expect(message._request_id).toBeTruthy();
  });

  it('streams a message, also when it has to wait in the queue first', async () => {
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
    const stream = client.messages.stream({
      model: 'llama3.2',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hi [[sim:reply one two three]]' }],
    });
    await queued;
    stack.hosts[0]!.control.releaseAll();
    let text = '';
    stream.on('text', (delta) => (text += delta));
    const final = await stream.finalMessage();
    expect(text).toBe('one two three');
    expect(final.content).toMatchObject([{ type: 'text', text: 'one two three' }]);
    expect((await held).status).toBe(200);
  });

  it('the raw stream carries a queue frame before message_start while waiting', async () => {
    const held = postJson(`${stack.url}/api/chat`, {
      model: 'llama3.2',
      stream: false,
      messages: [{ role: 'user', content: '[[sim:hold]]' }],
    });
    await stack.hosts[0]!.control.waitFor('request_held');
    const res = await postJson(`${stack.url}/v1/messages`, {
      model: 'llama3.2',
      max_tokens: 50,
      stream: true,
      messages: [{ role: 'user', content: 'x [[sim:reply ok]]' }],
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    stack.hosts[0]!.control.releaseAll();
    const body = await res.text();
    const events = [...body.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
    expect(events[0]).toBe('queue');
    expect(body).toMatch(/event: queue\ndata: \{"type":"queued","position":1,"ahead":0/);
    expect(events.slice(events.indexOf('message_start'))).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    await held;
  });

  it('runs a tool round trip', async () => {
    const first = await client.messages.create({
      model: 'llama3.2',
      max_tokens: 200,
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'Weather in Paris? [[sim:tool get_weather {"city":"Paris"}]]' }],
    });
    expect(first.stop_reason).toBe('tool_use');
    const call = first.content.find((b) => b.type === 'tool_use');
    expect(call).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
    expect(call?.type === 'tool_use' && call.id).toMatch(/^[a-zA-Z0-9_-]+$/);
    if (call?.type !== 'tool_use') throw new Error('no tool call');

    const second = await client.messages.create({
      model: 'llama3.2',
      max_tokens: 200,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: call.id, content: '18 degrees [[sim:echo]]' }],
        },
      ],
    });
    expect(second.stop_reason).toBe('end_turn');
  });

  it('streams tool calls as input_json_delta', async () => {
    const stream = client.messages.stream({
      model: 'llama3.2',
      max_tokens: 200,
      tools: [weatherTool],
      messages: [
        {
          role: 'user',
          content: 'x [[sim:tool get_weather {"city":"Oslo"}]] [[sim:tool get_weather {"city":"Rome"}]]',
        },
      ],
    });
    const final = await stream.finalMessage();
    const calls = final.content.filter((b) => b.type === 'tool_use');
    expect(calls.map((c) => c.type === 'tool_use' && c.input)).toEqual([{ city: 'Oslo' }, { city: 'Rome' }]);
    expect(final.stop_reason).toBe('tool_use');
  });

  it('returns thinking when asked', async () => {
    const message = await client.messages.create({
      model: 'qwen3:8b',
      max_tokens: 500,
      thinking: { type: 'enabled', budget_tokens: 200 },
      messages: [{ role: 'user', content: 'Think [[sim:think pondering]] [[sim:reply answer]]' }],
    });
    expect(message.content[0]).toMatchObject({ type: 'thinking', thinking: 'pondering' });
    expect(message.content[1]).toMatchObject({ type: 'text', text: 'answer' });
  });

  it('counts tokens and lists models', async () => {
    const counted = await client.messages.countTokens({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'Hello, world!' }],
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain('llama3.2:latest');
  });

  it('maps errors to the SDK error classes', async () => {
    await expect(
      client.messages.create({ model: 'nope', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    const bad = await postJson(`${stack.url}/v1/messages`, {
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const broken = await postJson(`${stack.url}/v1/messages`, '{nope', {
      headers: { 'anthropic-version': '2023-06-01' },
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { type: string }).type).toBe('error');
  });

  it('a streamed failure after output is an error event the SDK raises', async () => {
    const stream = client.messages.stream({
      model: 'llama3.2',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'x [[sim:fail_after 2 boom]]' }],
    });
    await expect(stream.finalMessage()).rejects.toThrow(/boom/);
  });

  it('a client that leaves mid-stream stops the upstream generation', async () => {
    const controller = new AbortController();
    const aborted = stack.hosts[0]!.control.waitFor('request_aborted');
    const stream = await client.messages.create(
      {
        model: 'llama3.2',
        max_tokens: 100,
        stream: true,
        messages: [{ role: 'user', content: '[[sim:long 500]] [[sim:slow 100]]' }],
      },
      { signal: controller.signal },
    );
    controller.abort();
    // The SDK ends iteration quietly on abort; what matters is that Ollama saw the client leave.
    for await (const _event of stream) {
      // drain what was already buffered
    }
    await aborted;
  });
});
