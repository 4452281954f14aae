import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chunk, FakeRunner, final, pendingAfter, startCompatServer } from './fake-runner.js';

// The Anthropic compatibility layer (§6) over real HTTP, driven by the official SDK, with a
// test-local native runner so each case controls the native chunks exactly.

let runner: FakeRunner;
let server: { url: string; close: () => Promise<void> };
let client: Anthropic;

beforeEach(async () => {
  runner = new FakeRunner();
  server = await startCompatServer(runner);
  client = new Anthropic({ baseURL: server.url, apiKey: 'ollama', maxRetries: 0 });
});

afterEach(async () => {
  await server.close();
});

const hi: Anthropic.MessageParam[] = [{ role: 'user', content: 'Hello' }];

async function rawEvents(
  body: unknown,
): Promise<{ res: Response; events: { event: string; data: Record<string, unknown> }[] }> {
  const res = await fetch(`${server.url}/v1/messages`, { method: 'POST', body: JSON.stringify(body) });
  const text = await res.text();
  const events = text
    .split('\n\n')
    .filter((f) => f !== '')
    .map((f) => {
      const [eventLine, dataLine] = f.split('\n');
      return {
        event: eventLine?.replace('event: ', '') ?? '',
        data: JSON.parse(dataLine?.replace('data: ', '') ?? '') as Record<string, unknown>,
      };
    });
  return { res, events };
}

describe('POST /v1/messages', () => {
  it('non-streaming: msg_ id, one text block, end_turn, real usage; num_predict from max_tokens', async () => {
    const msg = await client.messages.create({
      model: 'qwen3:0.6b',
      max_tokens: 256,
      messages: hi,
      system: 'Be brief.',
    });
    expect(msg.id).toMatch(/^msg_[0-9a-f]{24}$/);
    expect(msg).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'qwen3:0.6b',
      stop_reason: 'end_turn',
    });
    expect(msg.content).toEqual([{ type: 'text', text: 'Hello!' }]);
    expect(msg.usage).toEqual({ input_tokens: 12, output_tokens: 4 });
    expect(runner.calls[0]?.req).toMatchObject({
      model: 'qwen3:0.6b',
      stream: false,
      options: { num_predict: 256 },
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
    });
  });

  it('streaming: thinking, text and tool_use blocks assemble into the final message (25: SSE headers)', async () => {
    runner.reply = () => [
      chunk({ thinking: 'The user wants weather.' }),
      chunk({ content: 'Checking.' }),
      final({
        tool_calls: [
          { id: 'call_1', function: { index: 0, name: 'get_weather', arguments: { city: 'Paris' } } },
        ],
      }),
    ];
    const stream = client.messages.stream({
      model: 'qwen3:0.6b',
      max_tokens: 256,
      messages: hi,
      thinking: { type: 'enabled', budget_tokens: 1024 },
    });
    const msg = await stream.finalMessage();
    expect(msg.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use']);
    expect(msg.content[0]).toMatchObject({ type: 'thinking', thinking: 'The user wants weather.' });
    expect(msg.content[1]).toMatchObject({ type: 'text', text: 'Checking.' });
    expect(msg.content[2]).toMatchObject({
      type: 'tool_use',
      id: 'call_1',
      name: 'get_weather',
      input: { city: 'Paris' },
    });
    expect(msg.stop_reason).toBe('tool_use');
    expect(runner.calls[0]?.req.think).toBe(true);

    const { res, events } = await rawEvents({
      model: 'qwen3:0.6b',
      max_tokens: 10,
      messages: hi,
      stream: true,
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(events.map((e) => e.event)).toContain('message_stop');
  });

  it('thinking requested of a model that cannot think is dropped, not refused', async () => {
    await client.messages.create({
      model: 'llama3.2',
      max_tokens: 10,
      messages: hi,
      thinking: { type: 'enabled', budget_tokens: 1024 },
    });
    expect(runner.calls[0]?.req.think).toBeUndefined();
  });

  it('tools round trip: tool_use, then tool_result becomes a native tool message before the user text', async () => {
    runner.reply = (req) =>
      req.messages.some((m) => m.role === 'tool')
        ? [final({ content: 'Sunny, 21°C.' })]
        : [
            final({
              tool_calls: [
                { id: 'call_w', function: { index: 0, name: 'get_weather', arguments: { city: 'Paris' } } },
              ],
            }),
          ];
    const tools: Anthropic.Tool[] = [
      {
        name: 'get_weather',
        description: 'Weather',
        input_schema: { type: 'object', properties: { city: { type: 'string' } } },
      },
    ];
    const first = await client.messages.create({ model: 'qwen3:0.6b', max_tokens: 100, messages: hi, tools });
    expect(first.stop_reason).toBe('tool_use');
    const toolUse = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    if (toolUse === undefined) throw new Error('no tool_use');
    const second = await client.messages.create({
      model: 'qwen3:0.6b',
      max_tokens: 100,
      tools,
      messages: [
        ...hi,
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: toolUse.id, content: '21°C, sunny' },
            { type: 'text', text: 'Summarise.' },
          ],
        },
      ],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'Sunny, 21°C.' }]);
    expect(runner.calls[1]?.req.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ id: 'call_w', function: { name: 'get_weather', arguments: { city: 'Paris' } } }],
      },
      { role: 'tool', content: '21°C, sunny', tool_call_id: 'call_w' },
      { role: 'user', content: 'Summarise.' },
    ]);
    expect(runner.calls[0]?.req.tools?.[0]).toEqual({
      type: 'function',
      function: { name: 'get_weather', description: 'Weather', parameters: tools[0]?.input_schema },
    });
  });

  it.each([
    [404, "model 'nope' not found", Anthropic.NotFoundError, 'not_found_error'],
    [
      400,
      'registry.ollama.ai/library/gemma:latest does not support tools',
      Anthropic.BadRequestError,
      'invalid_request_error',
    ],
    [
      503,
      'server busy, please try again.  maximum pending requests exceeded',
      Anthropic.InternalServerError,
      'overloaded_error',
    ],
    [500, 'model runner has unexpectedly stopped', Anthropic.InternalServerError, 'api_error'],
  ])('native %i → SDK error of the §6.5 type', async (status, error, ErrorClass, type) => {
    runner.reply = () => ({ ok: false, status, error });
    const err: unknown = await client.messages
      .create({ model: 'nope', max_tokens: 10, messages: hi, stream: true })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ErrorClass);
    const apiErr = err as InstanceType<typeof Anthropic.APIError>;
    expect(apiErr.status).toBe(status);
    expect(apiErr.error).toMatchObject({ type: 'error', error: { type, message: error } });
    expect((apiErr.error as { request_id?: string }).request_id).toMatch(/^req_[0-9a-f]{24}$/);
  });

  it.each([
    [{ max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }, 'model is required'],
    [
      { model: 'm', messages: [{ role: 'user', content: 'x' }] },
      'max_tokens is required and must be positive',
    ],
    [{ model: 'm', max_tokens: 10 }, 'messages is required'],
  ])('validation %j → 400 %s, engine not called', async (body, message) => {
    const res = await fetch(`${server.url}/v1/messages`, { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message },
    });
    expect(runner.calls).toHaveLength(0);
  });

  it("13. a malformed body is a 400 invalid_request_error with Go's decoder text", async () => {
    const res = await fetch(`${server.url}/v1/messages`, { method: 'POST', body: '{invalid json' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: "invalid character 'i' looking for beginning of object key string",
      },
    });
  });

  it('a mid-stream error ends the stream without message_delta or message_stop', async () => {
    runner.reply = () => [chunk({ content: 'Hel' }), { error: 'boom' }];
    const { res, events } = await rawEvents({
      model: 'qwen3:0.6b',
      max_tokens: 10,
      messages: hi,
      stream: true,
    });
    expect(res.status).toBe(200);
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
    ]);
    await expect(
      client.messages.stream({ model: 'qwen3:0.6b', max_tokens: 10, messages: hi }).finalMessage(),
    ).rejects.toThrow();
  });

  it('a client disconnect stops reading the native stream', async () => {
    const pending = pendingAfter([chunk({ content: 'first' })]);
    runner.reply = () => ({ ok: true, chunks: pending.chunks });
    const ac = new AbortController();
    const res = await fetch(`${server.url}/v1/messages`, {
      method: 'POST',
      body: JSON.stringify({ model: 'qwen3:0.6b', max_tokens: 10, messages: hi, stream: true }),
      signal: ac.signal,
    });
    await res.body?.getReader().read();
    ac.abort();
    await pending.returned;
  });
});
