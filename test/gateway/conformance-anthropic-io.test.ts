// The official Anthropic SDKs (1.x and 0.x, same cases): images, max_tokens, count_tokens,
// auth headers, errors and cancellation, checked against what Ollama received.
import type Anthropic from '@anthropic-ai/sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  PNG_BASE64,
  anthropicSdks,
  messagesOf,
  nextChat,
  optionsOf,
  recordingFetch,
} from '../helpers/conformance.js';
import { sharedStack } from '../helpers/stack.js';

const stack = sharedStack();

const image = {
  type: 'image' as const,
  source: { type: 'base64' as const, media_type: 'image/png' as const, data: PNG_BASE64 },
};

describe.each(anthropicSdks)('$sdk: images, limits, auth, errors, cancellation', (sdk) => {
  let client: Anthropic;
  beforeAll(() => {
    client = sdk.make({ baseURL: stack.url, apiKey: 'test-key', maxRetries: 0 });
  });

  it('musistudio/claude-code-router#1732: a base64 image block arrives at Ollama as plain base64 in images', async () => {
    const upstream = nextChat(stack.hosts[0]!);
    await client.messages.create({
      model: 'llava:7b',
      max_tokens: 50,
      messages: [{ role: 'user', content: [image, { type: 'text', text: 'What is this?' }] }],
    });
    const [user] = messagesOf(await upstream);
    expect(user).toMatchObject({ role: 'user', content: 'What is this?', images: [PNG_BASE64] });
  });

  it('musistudio/claude-code-router#1732: an image inside a tool_result arrives in the tool message images', async () => {
    const upstream = nextChat(stack.hosts[0]!);
    await client.messages.create({
      model: 'llama3.2',
      max_tokens: 50,
      messages: [
        { role: 'user', content: 'Take a screenshot' },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'toolu_shot', name: 'screenshot', input: {} }],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'toolu_shot',
              content: [{ type: 'text', text: 'here' }, image],
            },
          ],
        },
      ],
    });
    const tool = messagesOf(await upstream).find((m) => m.role === 'tool');
    expect(tool).toMatchObject({
      content: 'here',
      images: [PNG_BASE64],
      tool_call_id: 'toolu_shot',
      tool_name: 'screenshot',
    });
  });

  it.each([false, true])(
    'BerriAI/litellm#25825: max_tokens becomes num_predict; a reply cut there stops with max_tokens (streamed: %s)',
    async (streamed) => {
      const upstream = nextChat(stack.hosts[0]!);
      const params = {
        model: 'llama3.2',
        max_tokens: 20,
        messages: [{ role: 'user' as const, content: 'Tell me a long story [[sim:long 200]]' }],
      };
      const message = streamed
        ? await client.messages.stream(params).finalMessage()
        : await client.messages.create(params);
      expect(optionsOf(await upstream).num_predict).toBe(20);
      expect(message.stop_reason).toBe('max_tokens');
      expect(message.usage.output_tokens).toBe(20);
    },
  );

  it('BerriAI/litellm#13252 and #37102: count_tokens answers on ?beta=true and never under-counts', async () => {
    const rec = recordingFetch();
    const counting = sdk.make({ baseURL: stack.url, apiKey: 'test-key', maxRetries: 0, fetch: rec.fetch });
    const words = 'The quick brown fox jumps over the lazy dog. '.repeat(400);
    const counted = await counting.messages.countTokens(
      { model: 'llama3.2', system: 'Be brief.', messages: [{ role: 'user', content: words }] },
      { query: { beta: 'true' } },
    );
    expect(new URL(rec.calls[0]!.url).pathname + new URL(rec.calls[0]!.url).search).toBe(
      '/v1/messages/count_tokens?beta=true',
    );
    // Never an under-count: at least one token per four characters of English prose.
    expect(counted.input_tokens).toBeGreaterThanOrEqual(words.length / 4);
  });

  it(`apiKey is sent as ${sdk.apiKeyHeader} and accepted`, async () => {
    const rec = recordingFetch();
    const keyed = sdk.make({ baseURL: stack.url, apiKey: 'sk-key-1', maxRetries: 0, fetch: rec.fetch });
    const message = await keyed.messages.create({
      model: 'llama3.2',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'hi [[sim:reply ok]]' }],
    });
    expect(message.content).toEqual([expect.objectContaining({ text: 'ok' })]);
    const headers = rec.calls[0]!.headers;
    if (sdk.apiKeyHeader === 'x-api-key') {
      expect(headers.get('x-api-key')).toBe('sk-key-1');
      expect(headers.get('authorization')).toBeNull();
    } else {
      expect(headers.get('authorization')).toBe('Bearer sk-key-1');
      expect(headers.get('x-api-key')).toBeNull();
    }
  });

  it('authToken is sent as Authorization: Bearer and accepted', async () => {
    const rec = recordingFetch();
    const tokened = sdk.make({ baseURL: stack.url, authToken: 'tok-1', maxRetries: 0, fetch: rec.fetch });
    const message = await tokened.messages.create({
      model: 'llama3.2',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'hi [[sim:reply ok]]' }],
    });
    expect(message.content).toEqual([expect.objectContaining({ text: 'ok' })]);
    expect(rec.calls[0]!.headers.get('authorization')).toBe('Bearer tok-1');
    expect(rec.calls[0]!.headers.get('x-api-key')).toBeNull();
  });

  it("an unknown model is the SDK's NotFoundError, not_found_error, with a request id", async () => {
    const err: unknown = await client.messages
      .create({ model: 'no-such-model', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(sdk.NotFoundError);
    const e = err as InstanceType<typeof sdk.NotFoundError>;
    expect(e.status).toBe(404);
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    expect(e.requestID).toBeTruthy();
  });

  it('an unknown model is NotFoundError when streamed too', async () => {
    const stream = client.messages.stream({
      model: 'no-such-model',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'x' }],
    });
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(sdk.NotFoundError);
  });

  it('aborting a slow stream cancels the upstream generation (request_aborted)', async () => {
    const host = stack.hosts[0]!;
    const aborted = host.control.waitFor('request_aborted');
    const stream = client.messages.stream({
      model: 'llama3.2',
      max_tokens: 5000,
      messages: [{ role: 'user', content: 'story [[sim:long 2000]] [[sim:slow 50]]' }],
    });
    const ended = stream.done().then(
      () => 'completed',
      () => 'aborted',
    );
    await new Promise<void>((resolve) => stream.once('text', () => resolve()));
    stream.abort();
    expect(await aborted).toMatchObject({ phase: 'generating', endpoint: 'chat' });
    expect(await ended).toBe('aborted');
  });
});
