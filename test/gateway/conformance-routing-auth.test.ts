// client-apis.md §D 18 and 21, which only the server can get right: routing by path with query
// strings ignored, base-URL mistakes answered in the caller's shape, and both auth headers.
import Anthropic from '@anthropic-ai/sdk';
import Anthropic0x from 'anthropic-sdk-0x';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { postJson, sharedStack } from '../helpers/stack.js';

const stack = sharedStack();

const message = {
  model: 'llama3.2',
  max_tokens: 20,
  messages: [{ role: 'user', content: 'hi [[sim:reply ok]]' }],
};
const completion = { model: 'llama3.2', messages: [{ role: 'user', content: 'hi [[sim:reply ok]]' }] };
const count = { model: 'llama3.2', messages: [{ role: 'user', content: 'hello there' }] };

describe('yvgude/lean-ctx PR#322 and Wei-Shaw/claude-relay-service#113: routing', () => {
  it.each([
    ['/v1/messages', message, 'message'],
    ['/v1/messages?beta=true', message, 'message'],
    ['/v1/messages/count_tokens', count, 'count'],
    ['/v1/messages/count_tokens?beta=true', count, 'count'],
    ['/v1/messages/count_tokens?beta=true&x=1', count, 'count'],
    ['/v1/chat/completions?api-version=2024-10-21', completion, 'completion'],
  ] as const)('POST %s reaches its handler (query string ignored)', async (path, body, kind) => {
    const res = await postJson(stack.url + path, body);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const json = (await res.json()) as Record<string, unknown>;
    if (kind === 'message') expect(json).toMatchObject({ type: 'message', content: [{ text: 'ok' }] });
    if (kind === 'count') expect(json.input_tokens).toEqual(expect.any(Number));
    if (kind === 'completion') expect(json).toMatchObject({ object: 'chat.completion' });
  });

  it('0.x beta.messages calls (which add ?beta=true themselves) work: create and count_tokens', async () => {
    const client = new Anthropic0x({ baseURL: stack.url, apiKey: 'k', maxRetries: 0 });
    const created = await client.beta.messages.create({
      model: 'llama3.2',
      max_tokens: 20,
      betas: ['interleaved-thinking-2025-05-14', 'context-management-2025-06-27'],
      messages: [{ role: 'user', content: 'hi [[sim:reply ok]]' }],
    });
    expect(created.content).toEqual([expect.objectContaining({ text: 'ok' })]);
    const counted = await client.beta.messages.countTokens({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
  });

  it('an Anthropic client given …/v1 as base URL gets a JSON not_found_error naming the path, not a crash', async () => {
    const client = new Anthropic({ baseURL: `${stack.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const err: unknown = await client.messages
      .create({ model: 'llama3.2', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    const e = err as InstanceType<typeof Anthropic.NotFoundError>;
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    expect(e.message).toContain('/v1/v1/messages');
  });

  it('an OpenAI client given the host root as base URL gets a JSON 404 in the OpenAI shape', async () => {
    const client = new OpenAI({ baseURL: stack.url, apiKey: 'k', maxRetries: 0 });
    const err: unknown = await client.chat.completions
      .create({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe('aws-samples/sample-kolya-br-proxy PR#35 and sample-connector-for-bedrock PR#120: both auth headers', () => {
  const anthropicHeaders: Array<[string, Record<string, string>]> = [
    ['x-api-key only (SDK 0.x, curl)', { 'x-api-key': 'sk-1', 'anthropic-version': '2023-06-01' }],
    [
      'Authorization: Bearer only (SDK 1.x, Claude Code)',
      { authorization: 'Bearer sk-1', 'anthropic-version': '2026-10-21' },
    ],
    ['both headers', { 'x-api-key': 'sk-1', authorization: 'Bearer sk-1' }],
  ];
  it.each(anthropicHeaders)('/v1/messages accepts %s', async (_name, headers) => {
    const res = await postJson(`${stack.url}/v1/messages`, message, { headers });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ type: 'message', content: [{ text: 'ok' }] });
  });

  it.each(anthropicHeaders)('/v1/messages/count_tokens accepts %s', async (_name, headers) => {
    const res = await postJson(`${stack.url}/v1/messages/count_tokens?beta=true`, count, { headers });
    expect(res.status).toBe(200);
  });

  it.each([
    ['Authorization: Bearer (OpenAI SDK)', { authorization: 'Bearer sk-1' }],
    ['api-key (Azure-style clients)', { 'api-key': 'sk-1' }],
    ['x-api-key', { 'x-api-key': 'sk-1' }],
  ])('/v1/chat/completions accepts %s', async (_name, headers) => {
    const res = await postJson(`${stack.url}/v1/chat/completions`, completion, { headers });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ choices: [{ message: { content: 'ok' } }] });
  });
});
