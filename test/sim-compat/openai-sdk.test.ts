import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chunk, FakeRunner, final, pendingAfter, startCompatServer } from './fake-runner.js';

// The OpenAI compatibility layer (§5) over real HTTP, driven by the official `openai` SDK, with a
// test-local native runner so each case controls the native chunks exactly.

let runner: FakeRunner;
let server: { url: string; close: () => Promise<void> };
let client: OpenAI;

beforeEach(async () => {
  runner = new FakeRunner();
  server = await startCompatServer(runner);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'ollama', maxRetries: 0 });
});

afterEach(async () => {
  await server.close();
});

async function rawFrames(
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ res: Response; frames: string[] }> {
  const res = await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { res, frames: text.split('\n\n').filter((f) => f !== '') };
}

describe('POST /v1/chat/completions', () => {
  it('non-streaming: chatcmpl id, fp_ollama, usage, and the native request it made', async () => {
    const completion = await client.chat.completions.create({
      model: 'qwen3:0.6b',
      messages: [{ role: 'user', content: 'Hi' }],
      max_tokens: 20,
    });
    expect(completion.id).toMatch(/^chatcmpl-\d{1,3}$/);
    expect(completion.system_fingerprint).toBe('fp_ollama');
    expect(completion.choices[0]?.message).toEqual({ role: 'assistant', content: 'Hello!' });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toEqual({ prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 });
    expect(runner.calls[0]?.req.options).toEqual({ num_predict: 20, temperature: 1, top_p: 1 });
    expect(runner.calls[0]?.req.stream).toBe(false);
  });

  it('streaming: the SDK assembles the reply; frames are data-only, end with [DONE]', async () => {
    runner.reply = () => [
      chunk({ thinking: 'Let me see.' }),
      chunk({ content: 'Hel' }),
      chunk({ content: 'lo' }),
      final(),
    ];
    const stream = client.chat.completions.stream({
      model: 'qwen3:0.6b',
      messages: [{ role: 'user', content: 'Hi' }],
      stream_options: { include_usage: true },
    });
    const text: string[] = [];
    stream.on('content.delta', ({ delta }) => text.push(delta));
    const done = await stream.finalChatCompletion();
    expect(text.join('')).toBe('Hello');
    expect(done.choices[0]?.message.content).toBe('Hello');
    expect((done.choices[0]?.message as unknown as { reasoning?: string }).reasoning).toBe('Let me see.');
    expect(done.usage?.total_tokens).toBe(16);

    const { res, frames } = await rawFrames({
      model: 'qwen3:0.6b',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(frames.every((f) => f.startsWith('data: '))).toBe(true);
    expect(frames.at(-1)).toBe('data: [DONE]');
    expect(JSON.parse(frames.at(-2)?.slice(6) ?? '')).toMatchObject({
      choices: [{ delta: {}, finish_reason: 'stop' }],
    });
  });

  it('tools round trip, streamed: tool_calls finish, then the tool result carries the looked-up tool_name', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ];
    runner.reply = (req) =>
      req.messages.at(-1)?.role === 'tool'
        ? [chunk({ content: 'It is 21 degrees.' }), final()]
        : [
            final({
              tool_calls: [
                {
                  id: 'call_k3x9a1b2',
                  function: { index: 0, name: 'get_weather', arguments: { city: 'Paris' } },
                },
              ],
            }),
          ];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await client.chat.completions
      .stream({ model: 'qwen3:0.6b', messages, tools })
      .finalChatCompletion();
    const choice = first.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    const call = choice?.message.tool_calls?.[0];
    expect(call).toMatchObject({
      id: 'call_k3x9a1b2',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    });
    if (choice === undefined || call === undefined) throw new Error('no tool call');
    messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: '{"temp":21}' });
    const second = await client.chat.completions.create({ model: 'qwen3:0.6b', messages, tools });
    expect(second.choices[0]?.message.content).toBe('It is 21 degrees.');
    expect(runner.calls[1]?.req.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          { id: 'call_k3x9a1b2', function: { name: 'get_weather', arguments: { city: 'Paris' } } },
        ],
      },
      { role: 'tool', content: '{"temp":21}', tool_name: 'get_weather', tool_call_id: 'call_k3x9a1b2' },
    ]);
    expect(runner.calls[0]?.req.tools?.[0]?.function.name).toBe('get_weather');
  });

  it('passes the request headers (scripted-reply directives) to the runner', async () => {
    await client.chat.completions.create(
      { model: 'qwen3:0.6b', messages: [{ role: 'user', content: 'Hi' }] },
      { headers: { 'x-sim-script': 'reply Hi' } },
    );
    expect(runner.calls[0]?.headers['x-sim-script']).toBe('reply Hi');
  });

  it.each([
    [
      { ok: false as const, status: 404, error: "model 'nope' not found" },
      OpenAI.NotFoundError,
      'not_found_error',
    ],
    [
      { ok: false as const, status: 400, error: '"llama3.2" does not support thinking' },
      OpenAI.BadRequestError,
      'invalid_request_error',
    ],
    [
      {
        ok: false as const,
        status: 503,
        error: 'server busy, please try again.  maximum pending requests exceeded',
      },
      OpenAI.InternalServerError,
      'api_error',
    ],
  ])("native failure %j → SDK error with Ollama's type", async (failure, ErrorClass, type) => {
    runner.reply = () => failure;
    const err: unknown = await client.chat.completions
      .create({ model: 'x', messages: [{ role: 'user', content: 'Hi' }], stream: true })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ErrorClass);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(failure.status);
    expect((err as InstanceType<typeof OpenAI.APIError>).type).toBe(type);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain(failure.error);
  });

  it.each([
    [{ model: 'm', messages: [] }, "[] is too short - 'messages'"],
    [
      {
        model: 'm',
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] },
        ],
      },
      'image URLs are not currently supported, please use base64 encoded data instead',
    ],
  ])(
    'request errors are 400 invalid_request_error before the engine is called: %j',
    async (body, message) => {
      const res = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.json()).toEqual({
        error: { message, type: 'invalid_request_error', param: null, code: null },
      });
      expect(runner.calls).toHaveLength(0);
    },
  );

  it('a mid-stream error: a chunk with empty model, no finish chunk, no [DONE]; the SDK helper fails', async () => {
    runner.reply = () => [
      chunk({ content: 'Hel' }),
      { error: 'an error was encountered while running the model: boom' },
    ];
    const { frames } = await rawFrames({
      model: 'qwen3:0.6b',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    expect(frames).toHaveLength(2);
    expect(JSON.parse(frames[1]?.slice(6) ?? '')).toMatchObject({
      model: '',
      choices: [{ delta: { content: '' }, finish_reason: null }],
    });
    const err = await client.chat.completions
      .stream({ model: 'qwen3:0.6b', messages: [{ role: 'user', content: 'Hi' }] })
      .finalChatCompletion()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
  });

  it('a client disconnect stops reading the native stream (return() is called)', async () => {
    const pending = pendingAfter([chunk({ content: 'first' })]);
    runner.reply = () => ({ ok: true, chunks: pending.chunks });
    const ac = new AbortController();
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({
        model: 'qwen3:0.6b',
        messages: [{ role: 'user', content: 'Hi' }],
        stream: true,
      }),
      signal: ac.signal,
    });
    const reader = res.body?.getReader();
    await reader?.read(); // the first frame arrived: the stream is live
    ac.abort();
    await pending.returned;
  });

  it('wrong method → 405 plain text; unknown /v1 path → not handled (404)', async () => {
    const res = await fetch(`${server.url}/v1/chat/completions`);
    expect(res.status).toBe(405);
    expect(await res.text()).toBe('405 method not allowed');
    expect(
      (await fetch(`${server.url}/v1/messages/count_tokens`, { method: 'POST', body: '{}' })).status,
    ).toBe(404);
  });
});

describe('GET /v1/models', () => {
  it('lists and retrieves through the SDK', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(['qwen3:0.6b', 'llama3.2:latest']);
    const m = await client.models.retrieve('llama3.2');
    expect(m).toEqual({
      id: 'llama3.2',
      object: 'model',
      created: Date.UTC(2026, 1, 1, 10) / 1000,
      owned_by: 'library',
    });
    await expect(client.models.retrieve('missing')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('an empty install gives data: null, which the SDK reads as no models', async () => {
    runner.models = [];
    const res = await fetch(`${server.url}/v1/models`);
    expect(await res.text()).toBe('{"object":"list","data":null}\n');
    const page = await client.models.list();
    expect(page.data ?? []).toEqual([]);
  });
});

describe('POST /v1/embeddings', () => {
  it('float and base64 (the SDK default) both decode to the native vectors', async () => {
    const viaBase64 = await client.embeddings.create({ model: 'all-minilm', input: ['a', 'b'] });
    expect(viaBase64.data.map((d) => d.embedding)).toEqual([
      [0.5, -0.25, 0.125],
      [0.5, -0.25, 0.25],
    ]);
    expect(viaBase64.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
    const viaFloat = await client.embeddings.create({
      model: 'all-minilm',
      input: 'a',
      encoding_format: 'float',
    });
    expect(viaFloat.data[0]?.embedding).toEqual([0.5, -0.25, 0.125]);
    expect(runner.embedCalls.map((c) => c.input)).toEqual([['a', 'b'], ['a']]);
  });

  it('unknown model → 404 not_found_error with the embed wording', async () => {
    const err: unknown = await client.embeddings
      .create({ model: 'nope', input: 'a' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as Error).message).toContain('model "nope" not found, try pulling it first');
  });
});
