/**
 * The official SDK's own parser on our frames, without HTTP: queue feedback and pings around a
 * generation must not disturb `MessageStream`, and a mid-stream error must surface as the SDK's
 * `APIError` with our error type (client-apis.md §A.7, DESIGN.md §4).
 */
import { APIError } from '@anthropic-ai/sdk';
import { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream';
import { Stream } from '@anthropic-ai/sdk/streaming';
import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../core/chat.js';
import { CorralError } from '../../core/errors.js';
import { encodeMessagesStream, pingFrame } from './encode-stream.js';
import { anthropicStreamErrorFrame } from './errors.js';
import { queueFrame } from './queue-frame.js';

async function* iterate(events: ChatEvent[]): AsyncGenerator<ChatEvent> {
  yield* events;
}

const ctx = { id: 'msg_sdk', model: 'qwen3:8b', inputTokens: 30 };

/** Frames as the server writes them: queue feedback, then the generation with a ping inside. */
async function serverBody(events: ChatEvent[]): Promise<string> {
  let raw = queueFrame({ type: 'queued', position: 2, ahead: 1, etaMs: 5000 }) + pingFrame();
  raw += queueFrame({ type: 'dispatched', backend: 'gpu-1', modelLoaded: true });
  let count = 0;
  for await (const frame of encodeMessagesStream(iterate(events), ctx)) {
    raw += frame;
    if (++count === 3) raw += pingFrame();
  }
  return raw;
}

const sdkStream = (raw: string) => Stream.fromSSEResponse(new Response(raw), new AbortController());

describe('the SDK parses our streams', () => {
  const events: ChatEvent[] = [
    { type: 'thinking_delta', thinking: 'Need the weather.' },
    { type: 'text_delta', text: 'Checking.' },
    { type: 'tool_call', call: { id: 'call_x', name: 'get_weather', input: { city: 'Oslo' } } },
    { type: 'done', stopReason: 'tool_use', usage: { inputTokens: 412, outputTokens: 37 } },
  ];

  it('MessageStream.finalMessage() ignores queue frames and pings', async () => {
    const raw = await serverBody(events);
    const message = await MessageStream.fromReadableStream(sdkStream(raw).toReadableStream()).finalMessage();
    expect(message).toMatchObject({
      id: 'msg_sdk',
      role: 'assistant',
      model: 'qwen3:8b',
      stop_reason: 'tool_use',
      usage: { input_tokens: 412, output_tokens: 37 },
    });
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'Need the weather.', signature: 'corral-unsigned' },
      { type: 'text', text: 'Checking.' },
      expect.objectContaining({ type: 'tool_use', name: 'get_weather', input: { city: 'Oslo' } }),
    ]);
  });

  it('raw iteration hands queue frames to the caller as their data, and skips pings', async () => {
    const types: string[] = [];
    for await (const event of sdkStream(await serverBody(events)))
      types.push((event as { type: string }).type);
    expect(types.slice(0, 3)).toEqual(['queued', 'dispatched', 'message_start']);
    expect(types).not.toContain('ping');
    expect(types.at(-1)).toBe('message_stop');
  });

  it('an error frame after output throws APIError carrying our error type', async () => {
    // The encoder throws on a generation without `done`; the server then writes the error frame.
    let body = queueFrame({ type: 'progress', position: 1, ahead: 0 });
    try {
      for await (const frame of encodeMessagesStream(
        iterate([{ type: 'text_delta', text: 'partial' }]),
        ctx,
      )) {
        body += frame;
      }
    } catch (err) {
      if (!(err instanceof CorralError)) throw err;
      body += anthropicStreamErrorFrame(err);
    }
    const error = await (async () => {
      for await (const _ of sdkStream(body));
    })().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBeUndefined();
    expect((error as APIError).type).toBe('api_error');
  });
});
