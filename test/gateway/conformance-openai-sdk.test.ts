// The official openai SDK (v6) as applications run it, checked against what Ollama received.
import OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { PNG_BASE64, bigArguments, messagesOf, nextChat, optionsOf } from '../helpers/conformance.js';
import { sharedStack } from '../helpers/stack.js';

const stack = sharedStack();
let client: OpenAI;
beforeAll(() => {
  client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'test-key', maxRetries: 0 });
});

function fn(name: string, properties: Record<string, unknown>): OpenAI.ChatCompletionFunctionTool {
  return { type: 'function', function: { name, parameters: { type: 'object', properties } } };
}
const weatherTool = fn('get_weather', { city: { type: 'string' } });
const timeTool = fn('get_time', { tz: { type: 'string' } });
const writeTool = fn('write_file', { path: { type: 'string' } });

function functionCalls(
  message: OpenAI.ChatCompletionMessage,
): OpenAI.ChatCompletionMessageFunctionToolCall[] {
  return (message.tool_calls ?? []).flatMap((c) => (c.type === 'function' ? [c] : []));
}

describe('openai v6: chat completions through the gateway', () => {
  it('plain create: content, stop, usage; Ollama gets the system message first', async () => {
    const upstream = nextChat(stack.hosts[0]!);
    const completion = await client.chat.completions.create({
      model: 'llama3.2',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello [[sim:reply Hi there!]]' },
      ],
    });
    expect(completion.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'Hi there!' });
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    expect(messagesOf(await upstream).map((m) => [m.role, m.content])).toEqual([
      ['system', 'Be brief.'],
      ['user', 'Hello [[sim:reply Hi there!]]'],
    ]);
  });

  it('streamed: chat.completions.stream().finalChatCompletion() and the content events agree', async () => {
    const stream = client.chat.completions.stream({
      model: 'llama3.2',
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Hi [[sim:reply one two three]]' }],
    });
    let text = '';
    stream.on('content.delta', ({ delta }) => (text += delta));
    const final = await stream.finalChatCompletion();
    expect(text).toBe('one two three');
    expect(final.choices[0]!.message.content).toBe('one two three');
    expect(final.choices[0]!.finish_reason).toBe('stop');
    expect(final.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it.each([false, true])(
    'a tool call (streamed: %s): tool_calls with JSON-string arguments',
    async (streamed) => {
      const params = {
        model: 'llama3.2',
        tools: [weatherTool],
        messages: [{ role: 'user' as const, content: 'Weather? [[sim:tool get_weather {"city":"Paris"}]]' }],
      };
      const completion = streamed
        ? await client.chat.completions.stream(params).finalChatCompletion()
        : await client.chat.completions.create(params);
      const choice = completion.choices[0]!;
      expect(choice.finish_reason).toBe('tool_calls');
      const [call, ...rest] = functionCalls(choice.message);
      expect(rest).toEqual([]);
      expect(call?.function.name).toBe('get_weather');
      expect(JSON.parse(call?.function.arguments ?? '')).toEqual({ city: 'Paris' });
      expect(call?.id).toMatch(/^[a-zA-Z0-9_-]+$/);
    },
  );

  it.each([false, true])(
    'ollama/ollama#7881 and #15457: two parallel tool calls (streamed: %s) arrive as two valid calls',
    async (streamed) => {
      const params = {
        model: 'llama3.2',
        tools: [weatherTool, timeTool],
        messages: [
          {
            role: 'user' as const,
            content: 'x [[sim:tool get_weather {"city":"Oslo"}]] [[sim:tool get_time {"tz":"UTC"}]]',
          },
        ],
      };
      const completion = streamed
        ? await client.chat.completions.stream(params).finalChatCompletion()
        : await client.chat.completions.create(params);
      const calls = functionCalls(completion.choices[0]!.message);
      expect(calls.map((c) => [c.function.name, JSON.parse(c.function.arguments) as unknown])).toEqual([
        ['get_weather', { city: 'Oslo' }],
        ['get_time', { tz: 'UTC' }],
      ]);
      expect(new Set(calls.map((c) => c.id)).size).toBe(2);
      expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    },
  );

  it.each([false, true])(
    'BerriAI/litellm#25321 (OpenAI): a ~5 KB argument with quotes and unicode arrives byte-exact (streamed: %s)',
    async (streamed) => {
      const big = bigArguments();
      const params = {
        model: 'llama3.2',
        tools: [writeTool],
        messages: [{ role: 'user' as const, content: `x [[sim:tool write_file ${JSON.stringify(big)}]]` }],
      };
      const completion = streamed
        ? await client.chat.completions.stream(params).finalChatCompletion()
        : await client.chat.completions.create(params);
      expect(functionCalls(completion.choices[0]!.message)[0]?.function.arguments).toBe(JSON.stringify(big));
    },
  );

  it('BerriAI/litellm#25321 (to Ollama): a ~5 KB tool_calls argument in the history arrives byte-exact as an object', async () => {
    const big = bigArguments();
    const upstream = nextChat(stack.hosts[0]!);
    await client.chat.completions.create({
      model: 'llama3.2',
      tools: [writeTool],
      messages: [
        { role: 'user', content: 'write it' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_big1',
              type: 'function',
              function: { name: 'write_file', arguments: JSON.stringify(big) },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_big1', content: 'written' },
      ],
    });
    const [, assistant, tool] = messagesOf(await upstream);
    expect(assistant).toMatchObject({ role: 'assistant', content: '' });
    const call = assistant?.tool_calls?.[0];
    expect(call).toMatchObject({ id: 'call_big1', function: { name: 'write_file' } });
    expect(JSON.stringify(call?.function.arguments)).toBe(JSON.stringify(big));
    expect(tool).toMatchObject({ role: 'tool', tool_call_id: 'call_big1', tool_name: 'write_file' });
  });

  it('decolua/9router#3362 (OpenAI): a 3-turn tool conversation reaches Ollama with roles, tool_calls, tool_name/tool_call_id', async () => {
    const tools = [weatherTool, timeTool];
    const system = { role: 'system' as const, content: 'You are a weather bot.' };
    const q1 =
      'Paris and Rome? [[sim:tool get_weather {"city":"Paris"}]] [[sim:tool get_weather {"city":"Rome"}]]';
    const first = await client.chat.completions.create({
      model: 'llama3.2',
      tools,
      messages: [system, { role: 'user', content: q1 }],
    });
    const [paris, rome] = functionCalls(first.choices[0]!.message);
    if (!paris || !rome) throw new Error('expected two tool calls');
    const q2 = 'And the time? [[sim:tool get_time {"tz":"Europe/Paris"}]]';
    const turn2: OpenAI.ChatCompletionMessageParam[] = [
      system,
      { role: 'user', content: q1 },
      { role: 'assistant', content: null, tool_calls: [paris, rome] },
      { role: 'tool', tool_call_id: paris.id, content: '18C' },
      { role: 'tool', tool_call_id: rome.id, content: [{ type: 'text', text: '22C' }] },
      { role: 'user', content: q2 },
    ];
    const second = await client.chat.completions.create({ model: 'llama3.2', tools, messages: turn2 });
    const [time] = functionCalls(second.choices[0]!.message);
    if (!time) throw new Error('expected a get_time call');

    const upstream = nextChat(stack.hosts[0]!);
    const third = await client.chat.completions.create({
      model: 'llama3.2',
      tools,
      messages: [
        ...turn2,
        { role: 'assistant', content: null, tool_calls: [time] },
        { role: 'tool', tool_call_id: time.id, content: '14:00' },
        { role: 'user', content: 'Thanks [[sim:reply Paris 18C, Rome 22C, 14:00.]]' },
      ],
    });
    expect(third.choices[0]).toMatchObject({
      finish_reason: 'stop',
      message: { content: 'Paris 18C, Rome 22C, 14:00.' },
    });

    const messages = messagesOf(await upstream);
    expect(messages.map((m) => m.role)).toEqual([
      'system',
      'user',
      'assistant',
      'tool',
      'tool',
      'user',
      'assistant',
      'tool',
      'user',
    ]);
    expect(messages[0]!.content).toBe('You are a weather bot.');
    expect(messages[2]).toMatchObject({ content: '' });
    expect(messages[2]!.tool_calls).toMatchObject([
      { id: paris.id, function: { name: 'get_weather', arguments: { city: 'Paris' } } },
      { id: rome.id, function: { name: 'get_weather', arguments: { city: 'Rome' } } },
    ]);
    expect(messages[3]).toMatchObject({ content: '18C', tool_call_id: paris.id, tool_name: 'get_weather' });
    expect(messages[4]).toMatchObject({ content: '22C', tool_call_id: rome.id, tool_name: 'get_weather' });
    expect(messages[5]!.content).toBe(q2);
    expect(messages[6]!.tool_calls).toMatchObject([
      { id: time.id, function: { name: 'get_time', arguments: { tz: 'Europe/Paris' } } },
    ]);
    expect(messages[7]).toMatchObject({ content: '14:00', tool_call_id: time.id, tool_name: 'get_time' });
  });

  it('BerriAI/litellm#18338: a data-URI image part arrives at Ollama as plain base64 in images', async () => {
    const upstream = nextChat(stack.hosts[0]!);
    await client.chat.completions.create({
      model: 'llava:7b',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}`, detail: 'low' } },
          ],
        },
      ],
    });
    const [user] = messagesOf(await upstream);
    expect(user).toMatchObject({ role: 'user', content: 'What is this?', images: [PNG_BASE64] });
  });

  it.each([
    ['max_tokens', false],
    ['max_completion_tokens', true],
  ] as const)(
    'BerriAI/litellm#25825 (OpenAI): %s becomes num_predict; a reply cut there finishes with length (streamed: %s)',
    async (field, streamed) => {
      const upstream = nextChat(stack.hosts[0]!);
      const params = {
        model: 'llama3.2',
        [field]: 20,
        messages: [{ role: 'user' as const, content: 'Tell me a long story [[sim:long 200]]' }],
      };
      const completion = streamed
        ? await client.chat.completions.stream(params).finalChatCompletion()
        : await client.chat.completions.create(params);
      expect(optionsOf(await upstream).num_predict).toBe(20);
      expect(completion.choices[0]!.finish_reason).toBe('length');
    },
  );

  it("an unknown model is the SDK's NotFoundError, streamed or not", async () => {
    const messages = [{ role: 'user' as const, content: 'x' }];
    await expect(client.chat.completions.create({ model: 'no-such-model', messages })).rejects.toBeInstanceOf(
      OpenAI.NotFoundError,
    );
    await expect(
      client.chat.completions.stream({ model: 'no-such-model', messages }).finalChatCompletion(),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("models.retrieve of an unknown id is the SDK's NotFoundError with OpenAI's error body", async () => {
    const err: unknown = await client.models.retrieve('no-such-model').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    const e = err as InstanceType<typeof OpenAI.NotFoundError>;
    expect(e.status).toBe(404);
    // The SDK exposes the body's `error` member: exactly OpenAI's four fields, not Anthropic's shape.
    expect(e.error).toEqual({
      message: expect.stringContaining('no-such-model') as unknown,
      type: 'not_found_error',
      param: null,
      code: 'not_found',
    });
    expect([e.type, e.code, e.param]).toEqual(['not_found_error', 'not_found', null]);
  });

  it.each([false, true])(
    'response_format json_schema (streamed: %s): the schema reaches Ollama as format, the reply parses against it',
    async (streamed) => {
      const schema = {
        type: 'object',
        properties: {
          city: { type: 'string' },
          temperature_c: { type: 'number' },
          sunny: { type: 'boolean' },
        },
        required: ['city', 'temperature_c', 'sunny'],
        additionalProperties: false,
      };
      const upstream = nextChat(stack.hosts[0]!);
      const params = {
        model: 'llama3.2',
        response_format: {
          type: 'json_schema' as const,
          json_schema: { name: 'weather', schema, strict: true },
        },
        messages: [{ role: 'user' as const, content: 'Weather in Paris as JSON' }],
      };
      const completion = streamed
        ? await client.chat.completions.stream(params).finalChatCompletion()
        : await client.chat.completions.parse(params);
      // Only the schema itself: `name` and `strict` are OpenAI's wrapper, not part of Ollama's format.
      expect((await upstream).body.format).toEqual(schema);
      const choice = completion.choices[0]!;
      expect(choice.finish_reason).toBe('stop');
      const value = JSON.parse(choice.message.content ?? '') as unknown;
      expect(value).toEqual({
        city: expect.any(String) as unknown,
        temperature_c: expect.any(Number) as unknown,
        sunny: expect.any(Boolean) as unknown,
      });
      // parse() JSON-parses a json_schema reply into `parsed`; the stream helper only does that
      // for SDK-built (zod) formats, so there it stays null.
      expect(choice.message.parsed).toEqual(streamed ? null : value);
    },
  );

  it('response_format json_object reaches Ollama as format "json"', async () => {
    const upstream = nextChat(stack.hosts[0]!);
    const completion = await client.chat.completions.create({
      model: 'llama3.2',
      response_format: { type: 'json_object' },
      messages: [{ role: 'user', content: 'Give me JSON' }],
    });
    expect((await upstream).body.format).toBe('json');
    expect(() => JSON.parse(completion.choices[0]!.message.content ?? '') as unknown).not.toThrow();
  });

  it('aborting a slow stream cancels the upstream generation (request_aborted)', async () => {
    const host = stack.hosts[0]!;
    const aborted = host.control.waitFor('request_aborted');
    const stream = client.chat.completions.stream({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'story [[sim:long 2000]] [[sim:slow 50]]' }],
    });
    const ended = stream.done().then(
      () => 'completed',
      () => 'aborted',
    );
    await new Promise<void>((resolve) => stream.once('content.delta', () => resolve()));
    stream.abort();
    expect(await aborted).toMatchObject({ phase: 'generating', endpoint: 'chat' });
    expect(await ended).toBe('aborted');
  });
});
