import { describe, expect, it } from 'vitest';
import type { ChatEvent, EmbedResult } from '../../core/chat.js';
import {
  aggregateChat,
  aggregateGenerate,
  encodeChatStream,
  encodeEmbedResponse,
  encodeGenerateStream,
  encodeLegacyEmbeddingsResponse,
} from './encode-stream.js';

const T = '2026-11-25T16:00:00.5Z';
const ctx = { model: 'llama3.2', createdAt: () => T };

async function* iterate(events: ChatEvent[]): AsyncGenerator<ChatEvent> {
  yield* events;
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

type Done = Extract<ChatEvent, { type: 'done' }>;
const done = (over: Partial<Done> = {}): Done => ({
  type: 'done',
  stopReason: 'end_turn',
  usage: { inputTokens: 0, outputTokens: 0 },
  ...over,
});

describe('encodeChatStream', () => {
  it('emits Ollama chunk shapes, skipping empty deltas', async () => {
    const chunks = await collect(
      encodeChatStream(
        iterate([
          { type: 'thinking_delta', thinking: 'hm' },
          { type: 'text_delta', text: '' },
          { type: 'text_delta', text: 'Hi' },
          { type: 'tool_call', call: { id: '', name: 'a', input: {} } },
          { type: 'tool_call', call: { id: 'call_2', name: 'b', input: { x: [1] } } },
          done({ stopReason: 'tool_use', usage: { inputTokens: 3, outputTokens: 2 } }),
        ]),
        ctx,
      ),
    );
    expect(chunks).toStrictEqual([
      {
        model: 'llama3.2',
        created_at: T,
        message: { role: 'assistant', content: '', thinking: 'hm' },
        done: false,
      },
      { model: 'llama3.2', created_at: T, message: { role: 'assistant', content: 'Hi' }, done: false },
      {
        model: 'llama3.2',
        created_at: T,
        message: {
          role: 'assistant',
          content: '',
          tool_calls: [{ function: { index: 0, name: 'a', arguments: {} } }],
        },
        done: false,
      },
      {
        model: 'llama3.2',
        created_at: T,
        message: {
          role: 'assistant',
          content: '',
          tool_calls: [{ id: 'call_2', function: { index: 1, name: 'b', arguments: { x: [1] } } }],
        },
        done: false,
      },
      {
        model: 'llama3.2',
        created_at: T,
        message: { role: 'assistant', content: '' },
        done: true,
        done_reason: 'stop',
        prompt_eval_count: 3,
        eval_count: 2,
      },
    ]);
  });

  it.each<[string, Partial<Done>, string]>([
    ['end_turn', { stopReason: 'end_turn' }, 'stop'],
    ['tool_use', { stopReason: 'tool_use' }, 'stop'],
    ['stop_sequence', { stopReason: 'stop_sequence' }, 'stop'],
    ['max_tokens', { stopReason: 'max_tokens' }, 'length'],
    ['upstream reason wins', { stopReason: 'end_turn', upstreamReason: 'unload' }, 'unload'],
  ])('done_reason for %s', async (_name, over, reason) => {
    const [final] = await collect(encodeChatStream(iterate([done(over)]), ctx));
    expect(final?.done_reason).toBe(reason);
  });

  it('adds the gateway queue wait to total_duration and omits zero metrics', async () => {
    const event = done({
      timings: { totalNs: 1000, evalNs: 0, promptEvalNs: 5 },
      usage: { inputTokens: 0, outputTokens: 4 },
    });
    const [final] = await collect(encodeChatStream(iterate([event]), { ...ctx, extraTotalNs: 500.4 }));
    expect(final).toStrictEqual({
      model: 'llama3.2',
      created_at: T,
      message: { role: 'assistant', content: '' },
      done: true,
      done_reason: 'stop',
      total_duration: 1500,
      prompt_eval_duration: 5,
      eval_count: 4,
    });
  });

  it('fails when the events end without done, so the server can write an error line', async () => {
    await expect(
      collect(encodeChatStream(iterate([{ type: 'text_delta', text: 'x' }]), ctx)),
    ).rejects.toThrow('generation ended without a final event');
  });

  it('stamps each chunk with a fresh RFC 3339 time by default', async () => {
    const [chunk] = await collect(encodeChatStream(iterate([done()]), { model: 'm' }));
    expect(chunk?.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
  });
});

describe('encodeGenerateStream', () => {
  it('uses response, puts context on the final chunk, tool calls after the metrics', async () => {
    const chunks = await collect(
      encodeGenerateStream(
        iterate([
          { type: 'text_delta', text: 'Hi' },
          done({ context: [1, 2], usage: { inputTokens: 1, outputTokens: 1 } }),
        ]),
        ctx,
      ),
    );
    expect(chunks.map((c) => JSON.stringify(c))).toStrictEqual([
      `{"model":"llama3.2","created_at":"${T}","response":"Hi","done":false}`,
      `{"model":"llama3.2","created_at":"${T}","response":"","done":true,"done_reason":"stop","context":[1,2],"prompt_eval_count":1,"eval_count":1}`,
    ]);
  });
});

describe('aggregate (stream:false)', () => {
  const events: ChatEvent[] = [
    { type: 'thinking_delta', thinking: 'a' },
    { type: 'thinking_delta', thinking: 'b' },
    { type: 'text_delta', text: 'Hel' },
    { type: 'text_delta', text: 'lo' },
    { type: 'tool_call', call: { id: 'c1', name: 'f', input: {} } },
    done({
      stopReason: 'tool_use',
      upstreamReason: 'stop',
      usage: { inputTokens: 2, outputTokens: 3 },
      timings: { totalNs: 7 },
      context: [9],
    }),
  ];

  it('chat: one object with the whole message', async () => {
    expect(await aggregateChat(iterate(events), ctx)).toStrictEqual({
      model: 'llama3.2',
      created_at: T,
      message: {
        role: 'assistant',
        content: 'Hello',
        thinking: 'ab',
        tool_calls: [{ id: 'c1', function: { index: 0, name: 'f', arguments: {} } }],
      },
      done: true,
      done_reason: 'stop',
      total_duration: 7,
      prompt_eval_count: 2,
      eval_count: 3,
    });
  });

  it('generate: Go field order with thinking after response and tool_calls last', async () => {
    const answer = await aggregateGenerate(iterate(events), ctx);
    expect(JSON.stringify(answer)).toBe(
      `{"model":"llama3.2","created_at":"${T}","response":"Hello","thinking":"ab","done":true,"done_reason":"stop","context":[9],` +
        `"total_duration":7,"prompt_eval_count":2,"eval_count":3,"tool_calls":[{"id":"c1","function":{"index":0,"name":"f","arguments":{}}}]}`,
    );
  });

  it('a load reply aggregates to an empty message (§2.2 special replies)', async () => {
    expect(await aggregateChat(iterate([done({ upstreamReason: 'load' })]), ctx)).toStrictEqual({
      model: 'llama3.2',
      created_at: T,
      message: { role: 'assistant', content: '' },
      done: true,
      done_reason: 'load',
    });
  });
});

describe('embed answers', () => {
  const result: EmbedResult = {
    embeddings: [[0.5, 0.5]],
    usage: { inputTokens: 4, outputTokens: 0 },
    timings: { totalNs: 12, loadNs: 3 },
  };

  it('/api/embed shape', () => {
    expect(encodeEmbedResponse('all-minilm', result)).toStrictEqual({
      model: 'all-minilm',
      embeddings: [[0.5, 0.5]],
      total_duration: 12,
      load_duration: 3,
      prompt_eval_count: 4,
    });
  });

  it('legacy /api/embeddings shape, [] for an empty prompt', () => {
    expect(encodeLegacyEmbeddingsResponse(result)).toStrictEqual({ embedding: [0.5, 0.5] });
    expect(
      encodeLegacyEmbeddingsResponse({ embeddings: [], usage: { inputTokens: 0, outputTokens: 0 } }),
    ).toStrictEqual({ embedding: [] });
  });
});
