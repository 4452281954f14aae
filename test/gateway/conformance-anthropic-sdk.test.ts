// The official Anthropic SDKs as applications run them — latest 1.x and the last 0.x (npm alias
// `anthropic-sdk-0x`), same cases for both — plus what Ollama received for each request.
import type Anthropic from '@anthropic-ai/sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { anthropicSdks, bigArguments, messagesOf, nextChat, optionsOf } from '../helpers/conformance.js';
import { sharedStack } from '../helpers/stack.js';

const stack = sharedStack();

const weatherTool = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};
const timeTool = {
  name: 'get_time',
  description: 'Local time in a zone',
  input_schema: { type: 'object' as const, properties: { tz: { type: 'string' } } },
};
const writeTool = {
  name: 'write_file',
  description: 'Writes a file',
  input_schema: { type: 'object' as const, properties: { path: { type: 'string' } } },
};

describe.each(anthropicSdks)('$sdk: messages through the gateway', ({ make }) => {
  let client: Anthropic;
  beforeAll(() => {
    client = make({ baseURL: stack.url, apiKey: 'test-key', maxRetries: 0 });
  });

  it('plain create: text, end_turn, usage; Ollama gets the system message first and num_predict', async () => {
    const upstream = nextChat(stack.hosts[0]!);
    const message = await client.messages.create({
      model: 'llama3.2',
      max_tokens: 123,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Hello [[sim:reply Hi there!]]' }],
    });
    expect(message).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn' });
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hi there!' })]);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    const received = await upstream;
    expect(received.model).toBe('llama3.2');
    expect(messagesOf(received).map((m) => [m.role, m.content])).toEqual([
      ['system', 'Be brief.'],
      ['user', 'Hello [[sim:reply Hi there!]]'],
    ]);
    expect(optionsOf(received).num_predict).toBe(123);
  });

  it('streamed: messages.stream().finalMessage() and the text events agree', async () => {
    const stream = client.messages.stream({
      model: 'llama3.2',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hi [[sim:reply one two three]]' }],
    });
    let text = '';
    stream.on('text', (delta) => (text += delta));
    const final = await stream.finalMessage();
    expect(text).toBe('one two three');
    expect(final.content).toEqual([expect.objectContaining({ type: 'text', text: 'one two three' })]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBeGreaterThan(0);
  });

  it('a tool call, not streamed: tool_use with an object input and stop_reason tool_use', async () => {
    const message = await client.messages.create({
      model: 'llama3.2',
      max_tokens: 200,
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'Weather? [[sim:tool get_weather {"city":"Paris"}]]' }],
    });
    expect(message.stop_reason).toBe('tool_use');
    const calls = message.content.filter((b) => b.type === 'tool_use');
    expect(calls).toEqual([
      expect.objectContaining({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } }),
    ]);
    expect(calls[0]!.id).toMatch(/^[a-zA-Z0-9_-]+$/);
  });

  it('BerriAI/litellm#25605: a streamed tool call reaches finalMessage() with its full input', async () => {
    const stream = client.messages.stream({
      model: 'llama3.2',
      max_tokens: 200,
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'Weather? [[sim:tool get_weather {"city":"Oslo"}]]' }],
    });
    let partial = '';
    stream.on('inputJson', (delta) => (partial += delta));
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content).toEqual([
      expect.objectContaining({ type: 'tool_use', name: 'get_weather', input: { city: 'Oslo' } }),
    ]);
    expect(JSON.parse(partial)).toEqual({ city: 'Oslo' });
  });

  it.each([false, true])(
    'two parallel tool calls (streamed: %s) keep their order and distinct ids',
    async (streamed) => {
      const params = {
        model: 'llama3.2',
        max_tokens: 200,
        tools: [weatherTool, timeTool],
        messages: [
          {
            role: 'user' as const,
            content: 'x [[sim:tool get_weather {"city":"Oslo"}]] [[sim:tool get_time {"tz":"UTC"}]]',
          },
        ],
      };
      const message = streamed
        ? await client.messages.stream(params).finalMessage()
        : await client.messages.create(params);
      const calls = message.content.flatMap((b) => (b.type === 'tool_use' ? [b] : []));
      expect(calls.map((c) => [c.name, c.input])).toEqual([
        ['get_weather', { city: 'Oslo' }],
        ['get_time', { tz: 'UTC' }],
      ]);
      expect(new Set(calls.map((c) => c.id)).size).toBe(2);
      for (const c of calls) expect(c.id).toMatch(/^[a-zA-Z0-9_-]+$/);
      expect(message.stop_reason).toBe('tool_use');
    },
  );

  it.each([false, true])(
    'BerriAI/litellm#25321: a ~5 KB argument with quotes and unicode arrives byte-exact from the model (streamed: %s)',
    async (streamed) => {
      const big = bigArguments();
      const params = {
        model: 'llama3.2',
        max_tokens: 200,
        tools: [writeTool],
        messages: [{ role: 'user' as const, content: `x [[sim:tool write_file ${JSON.stringify(big)}]]` }],
      };
      const message = streamed
        ? await client.messages.stream(params).finalMessage()
        : await client.messages.create(params);
      const call = message.content.find((b) => b.type === 'tool_use');
      expect(call?.type === 'tool_use' && JSON.stringify(call.input)).toBe(JSON.stringify(big));
    },
  );

  it('BerriAI/litellm#25321 (to Ollama): a ~5 KB tool_use input in the history arrives byte-exact as an arguments object', async () => {
    const big = bigArguments();
    const upstream = nextChat(stack.hosts[0]!);
    await client.messages.create({
      model: 'llama3.2',
      max_tokens: 50,
      tools: [writeTool],
      messages: [
        { role: 'user', content: 'write it' },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'toolu_big1', name: 'write_file', input: big }],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_big1', content: 'written' }] },
      ],
    });
    const [, assistant, tool] = messagesOf(await upstream);
    const call = assistant?.tool_calls?.[0];
    expect(call).toMatchObject({ id: 'toolu_big1', function: { name: 'write_file' } });
    expect(JSON.stringify(call?.function.arguments)).toBe(JSON.stringify(big));
    expect(tool).toMatchObject({ role: 'tool', tool_call_id: 'toolu_big1', tool_name: 'write_file' });
  });

  it('decolua/9router#3362: a 3-turn tool conversation reaches Ollama with roles, tool_calls, tool_name/tool_call_id', async () => {
    const system = 'You are a weather bot.';
    const tools = [weatherTool, timeTool];
    const q1 =
      'Paris and Rome? [[sim:tool get_weather {"city":"Paris"}]] [[sim:tool get_weather {"city":"Rome"}]]';
    const first = await client.messages.create({
      model: 'llama3.2',
      max_tokens: 200,
      system,
      tools,
      messages: [{ role: 'user', content: q1 }],
    });
    const [paris, rome] = first.content.flatMap((b) => (b.type === 'tool_use' ? [b] : []));
    if (!paris || !rome) throw new Error('expected two tool calls');
    const q2 = 'And the time? [[sim:tool get_time {"tz":"Europe/Paris"}]]';
    const turn2 = [
      { role: 'user' as const, content: q1 },
      { role: 'assistant' as const, content: first.content },
      {
        role: 'user' as const,
        content: [
          { type: 'tool_result' as const, tool_use_id: paris.id, content: '18C' },
          {
            type: 'tool_result' as const,
            tool_use_id: rome.id,
            content: [{ type: 'text' as const, text: '22C' }],
          },
          { type: 'text' as const, text: q2 },
        ],
      },
    ];
    const second = await client.messages.create({
      model: 'llama3.2',
      max_tokens: 200,
      system,
      tools,
      messages: turn2,
    });
    const time = second.content.find((b) => b.type === 'tool_use');
    if (time?.type !== 'tool_use') throw new Error('expected a get_time call');
    expect(time).toMatchObject({ name: 'get_time', input: { tz: 'Europe/Paris' } });

    const upstream = nextChat(stack.hosts[0]!);
    const third = await client.messages.create({
      model: 'llama3.2',
      max_tokens: 200,
      system,
      tools,
      messages: [
        ...turn2,
        { role: 'assistant', content: second.content },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: time.id, content: '14:00' },
            { type: 'text', text: 'Thanks [[sim:reply Paris 18C, Rome 22C, 14:00.]]' },
          ],
        },
      ],
    });
    expect(third.stop_reason).toBe('end_turn');
    expect(third.content).toEqual([
      expect.objectContaining({ type: 'text', text: 'Paris 18C, Rome 22C, 14:00.' }),
    ]);

    const received = await upstream;
    const messages = messagesOf(received);
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
    expect(messages[0]!.content).toBe(system);
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
    expect(
      (received.body.tools as Array<{ function: { name: string } }>).map((t) => t.function.name),
    ).toEqual(['get_weather', 'get_time']);
  });
});
