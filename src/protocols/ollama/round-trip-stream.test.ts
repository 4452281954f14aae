/**
 * A native stream decoded to canonical events and re-encoded for a client must come out as it
 * went in, byte for byte, apart from the timestamps and metrics the gateway recomputes (fixed
 * here). A chunk that carries several parts at once is the one documented exception.
 */
import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../core/chat.js';
import { StreamDecoder } from './decode-stream.js';
import { aggregateChat, encodeChatStream, encodeGenerateStream } from './encode-stream.js';

async function* iterate<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

function decodeAll(chunks: object[]): ChatEvent[] {
  const decoder = new StreamDecoder();
  return chunks.flatMap((chunk) => decoder.push(chunk));
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

const T = '2025-07-07T20:22:19.184789Z';
const metrics = {
  total_duration: 182242375,
  load_duration: 41295167,
  prompt_eval_count: 169,
  prompt_eval_duration: 24573166,
  eval_count: 15,
  eval_duration: 115959084,
};
const chat = (message: object, extra: object = {}): object => ({
  model: 'qwen3',
  created_at: T,
  message: { role: 'assistant', ...message },
  done: false,
  ...extra,
});

const streamCases: Array<[string, object[]]> = [
  [
    'text',
    [
      chat({ content: 'The' }),
      chat({ content: ' sky' }),
      chat({ content: '' }, { done: true, done_reason: 'stop', ...metrics }),
    ],
  ],
  [
    'thinking then text',
    [
      chat({ content: '', thinking: 'Let me' }),
      chat({ content: '', thinking: ' think' }),
      chat({ content: 'Blue.' }),
      chat({ content: '' }, { done: true, done_reason: 'stop', ...metrics }),
    ],
  ],
  [
    'tool call with id and index',
    [
      chat({
        content: '',
        tool_calls: [
          { id: 'call_k3x9a1b2', function: { index: 0, name: 'get_weather', arguments: { city: 'Tokyo' } } },
        ],
      }),
      chat({ content: '', tool_calls: [{ function: { index: 1, name: 'get_time', arguments: {} } }] }),
      chat({ content: '' }, { done: true, done_reason: 'stop', ...metrics }),
    ],
  ],
  [
    'truncated by length',
    [chat({ content: 'a' }), chat({ content: '' }, { done: true, done_reason: 'length', eval_count: 1 })],
  ],
  ['load reply', [chat({ content: '' }, { done: true, done_reason: 'load' })]],
];

describe('chat stream round trip (chunks → events → chunks)', () => {
  it.each(streamCases)('%s', async (_name, chunks) => {
    const encoded = await collect(
      encodeChatStream(iterate(decodeAll(chunks)), { model: 'qwen3', createdAt: () => T }),
    );
    // Byte-identical lines, key order included (Ollama's Go struct order).
    expect(encoded.map((c) => JSON.stringify(c))).toEqual(chunks.map((c) => JSON.stringify(c)));
  });

  it('aggregates what the non-streaming endpoint would answer', async () => {
    const chunks = streamCases[2]?.[1] ?? [];
    const answer = await aggregateChat(iterate(decodeAll(chunks)), { model: 'qwen3', createdAt: () => T });
    expect(answer).toStrictEqual({
      model: 'qwen3',
      created_at: T,
      message: {
        role: 'assistant',
        content: '',
        tool_calls: [
          { id: 'call_k3x9a1b2', function: { index: 0, name: 'get_weather', arguments: { city: 'Tokyo' } } },
          { function: { index: 1, name: 'get_time', arguments: {} } },
        ],
      },
      done: true,
      done_reason: 'stop',
      ...metrics,
    });
  });

  it('splits a chunk carrying several parts into consecutive chunks with the same content', async () => {
    const call = { id: 'c1', function: { index: 0, name: 'f', arguments: { a: 1 } } };
    const chunks = [
      chat({ content: '', tool_calls: [call] }, { done: true, done_reason: 'stop', eval_count: 3 }),
    ];
    const encoded = await collect(
      encodeChatStream(iterate(decodeAll(chunks)), { model: 'qwen3', createdAt: () => T }),
    );
    expect(encoded).toStrictEqual([
      chat({ content: '', tool_calls: [call] }),
      chat({ content: '' }, { done: true, done_reason: 'stop', eval_count: 3 }),
    ]);
  });
});

describe('generate stream round trip', () => {
  // Go field order of api.GenerateResponse: response, thinking, done, done_reason, context, metrics, tool_calls.
  const gen = (fields: { thinking?: string } & Record<string, unknown>): object => {
    const { thinking, ...rest } = fields;
    return {
      model: 'm',
      created_at: T,
      response: '',
      ...(thinking === undefined ? {} : { thinking }),
      done: false,
      ...rest,
    };
  };
  it.each<[string, object[]]>([
    [
      'response with context',
      [
        gen({ response: 'Hi' }),
        gen({ response: ' there' }),
        gen({ done: true, done_reason: 'stop', context: [1, 2, 3], ...metrics }),
      ],
    ],
    [
      'thinking',
      [
        gen({ thinking: 'hmm' }),
        gen({ response: 'ok' }),
        gen({ done: true, done_reason: 'stop', eval_count: 2 }),
      ],
    ],
    [
      'tool call (model-specific parser)',
      [
        gen({ tool_calls: [{ id: 'c', function: { index: 0, name: 'f', arguments: {} } }] }),
        gen({ done: true, done_reason: 'stop' }),
      ],
    ],
    [
      'raw mode (no context)',
      [gen({ response: 'x' }), gen({ done: true, done_reason: 'length', prompt_eval_count: 3 })],
    ],
  ])('%s', async (_name, chunks) => {
    const encoded = await collect(
      encodeGenerateStream(iterate(decodeAll(chunks)), { model: 'm', createdAt: () => T }),
    );
    expect(encoded.map((c) => JSON.stringify(c))).toEqual(chunks.map((c) => JSON.stringify(c)));
  });
});
