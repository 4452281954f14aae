/**
 * Our frames through the official openai SDK's own SSE parser and stream accumulator, without
 * HTTP (the HTTP-level SDK tests live in test/). Guards client-apis.md B.4's "what the SDK
 * requires" list and the §D bugs whose symptom is in the SDK's final object.
 */
import { APIError } from 'openai';
import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import { Stream } from 'openai/streaming';
import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../core/chat.js';
import { CorralError } from '../../core/errors.js';
import { encodeChatCompletionsStream } from './encode-stream.js';
import { openaiStreamErrorFrame } from './errors.js';
import { keepAliveComment, queueComment } from './queue-comments.js';

const ctx = { id: 'chatcmpl-t', model: 'qwen3:8b', created: 1764000000, includeUsage: true };
const done = (stopReason: 'end_turn' | 'tool_use' | 'max_tokens' = 'end_turn'): ChatEvent => ({
  type: 'done',
  stopReason,
  usage: { inputTokens: 3, outputTokens: 4 },
});

async function* iterate(events: ChatEvent[]): AsyncGenerator<ChatEvent> {
  yield* events;
}

async function encode(events: ChatEvent[]): Promise<string[]> {
  const frames: string[] = [];
  for await (const frame of encodeChatCompletionsStream(iterate(events), ctx)) frames.push(frame);
  return frames;
}

function sdkStream(frames: string[]): Stream<ChatCompletionChunk> {
  return Stream.fromSSEResponse<ChatCompletionChunk>(new Response(frames.join('')), new AbortController());
}

async function finalCompletion(frames: string[]): Promise<ChatCompletion> {
  const readable = sdkStream(frames).toReadableStream();
  return ChatCompletionStream.fromReadableStream(readable).finalChatCompletion();
}

const call = (name: string, input: Record<string, unknown>): ChatEvent => ({
  type: 'tool_call',
  call: { id: '', name, input },
});

describe('frames read by the openai SDK', () => {
  it('finalChatCompletion() rebuilds role, content, finish_reason and usage', async () => {
    const final = await finalCompletion(
      await encode([{ type: 'text_delta', text: 'Hel' }, { type: 'text_delta', text: 'lo' }, done()]),
    );
    expect(final.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'Hello' });
    expect(final.choices[0]?.finish_reason).toBe('stop');
    expect(final.usage).toStrictEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
  });

  it('ollama#7881 / ollama#15457: finalChatCompletion() returns both parallel calls, valid', async () => {
    const final = await finalCompletion(
      await encode([call('read', { path: 'a' }), call('read', { path: 'b' }), done('tool_use')]),
    );
    const calls = final.choices[0]?.message.tool_calls ?? [];
    expect(calls).toHaveLength(2);
    expect(calls.map((c) => (c.type === 'function' ? JSON.parse(c.function.arguments) : null))).toStrictEqual(
      [{ path: 'a' }, { path: 'b' }],
    );
    expect(calls.map((c) => c.id)).toSatisfy((ids: string[]) => new Set(ids).size === 2);
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('BerriAI/litellm#25321 (OpenAI side): a ~5 KB argument with quotes, pipes and unicode round-trips exactly', async () => {
    const big = 'say "hi" | grep ö → 日本語 \\ \n'.repeat(180);
    const final = await finalCompletion(await encode([call('shell', { cmd: big }), done('tool_use')]));
    const [tc] = final.choices[0]?.message.tool_calls ?? [];
    expect(tc?.type === 'function' ? JSON.parse(tc.function.arguments) : undefined).toStrictEqual({
      cmd: big,
    });
  });

  it('reasoning fields reach the final message untouched; content stays clean', async () => {
    const final = await finalCompletion(
      await encode([
        { type: 'thinking_delta', thinking: 'plan' },
        { type: 'text_delta', text: 'ok' },
        done(),
      ]),
    );
    expect(final.choices[0]?.message).toMatchObject({
      content: 'ok',
      reasoning_content: 'plan',
      reasoning: 'plan',
    });
  });

  it('queue and keep-alive comments before the first chunk are invisible to the SDK', async () => {
    const comments = [
      queueComment({ type: 'queued', position: 3, ahead: 2, etaMs: 41_000 }),
      keepAliveComment(),
    ];
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of sdkStream([
      ...comments,
      ...(await encode([{ type: 'text_delta', text: 'x' }, done()])),
    ]))
      chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? null)).toStrictEqual(['', 'x', null, null]);
  });

  it('an error frame after output throws APIError with status undefined and our message', async () => {
    const frames = (await encode([{ type: 'text_delta', text: 'partial' }, done()])).slice(0, 2);
    frames.push(openaiStreamErrorFrame(new CorralError('upstream', 'backend connection lost')));
    const read = async () => {
      for await (const _chunk of sdkStream(frames)) void _chunk;
    };
    const error = await read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({
      status: undefined,
      message: 'backend connection lost',
      type: 'server_error',
      code: 'upstream',
    });
  });
});
