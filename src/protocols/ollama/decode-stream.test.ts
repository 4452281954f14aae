import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../core/chat.js';
import { CorralError } from '../../core/errors.js';
import { decodeEmbedResponse } from './decode-embed-response.js';
import { StreamDecoder, decodeStream } from './decode-stream.js';

const msg = (message: object, extra: object = {}): object => ({
  model: 'm',
  created_at: 't',
  message: { role: 'assistant', ...message },
  done: false,
  ...extra,
});
const call = (id: string | undefined, name: string): object => ({
  ...(id === undefined ? {} : { id }),
  function: { index: 0, name, arguments: { q: name } },
});

function decode(chunks: object[]): ChatEvent[] {
  const decoder = new StreamDecoder();
  return chunks.flatMap((chunk) => decoder.push(chunk));
}

describe('StreamDecoder', () => {
  it.each<[string, object[], ChatEvent[]]>([
    [
      'content and empty content',
      [msg({ content: 'Hi' }), msg({ content: '' })],
      [{ type: 'text_delta', text: 'Hi' }],
    ],
    [
      'thinking before content in one chunk',
      [msg({ content: 'A', thinking: 'T' })],
      [
        { type: 'thinking_delta', thinking: 'T' },
        { type: 'text_delta', text: 'A' },
      ],
    ],
    [
      'tool calls, repeated id dropped, id-less kept',
      [
        msg({ content: '', tool_calls: [call('c1', 'a'), call(undefined, 'b')] }),
        msg({ content: '', tool_calls: [call('c1', 'a')] }),
      ],
      [
        { type: 'tool_call', call: { id: 'c1', name: 'a', input: { q: 'a' } } },
        { type: 'tool_call', call: { id: '', name: 'b', input: { q: 'b' } } },
      ],
    ],
    [
      'generate response and context',
      [
        { model: 'm', response: 'x', done: false },
        {
          model: 'm',
          response: '',
          done: true,
          done_reason: 'stop',
          context: [1, 2],
          prompt_eval_count: 4,
          eval_count: 1,
        },
      ],
      [
        { type: 'text_delta', text: 'x' },
        {
          type: 'done',
          stopReason: 'end_turn',
          upstreamReason: 'stop',
          usage: { inputTokens: 4, outputTokens: 1 },
          context: [1, 2],
        },
      ],
    ],
    [
      'lines after done are ignored',
      [msg({ content: '' }, { done: true }), msg({ content: 'late' })],
      [{ type: 'done', stopReason: 'end_turn', usage: { inputTokens: 0, outputTokens: 0 } }],
    ],
  ])('%s', (_name, chunks, events) => {
    expect(decode(chunks)).toStrictEqual(events);
  });

  it.each<[string, string | undefined, boolean, string]>([
    ['stop', 'stop', false, 'end_turn'],
    ['length', 'length', false, 'max_tokens'],
    ['stop after a tool call', 'stop', true, 'tool_use'],
    ['length after a tool call', 'length', true, 'max_tokens'],
    ['load', 'load', false, 'end_turn'],
    ['unload', 'unload', false, 'end_turn'],
    ['absent (Ollama < 0.1.35)', undefined, false, 'end_turn'],
  ])('done_reason %s', (_name, reason, withCall, stopReason) => {
    const chunks = [
      msg({ content: '', ...(withCall ? { tool_calls: [call('c', 'f')] } : {}) }),
      msg({ content: '' }, { done: true, done_reason: reason }),
    ];
    const done = decode(chunks).at(-1);
    expect(done).toMatchObject({ type: 'done', stopReason });
    expect(done?.type === 'done' ? done.upstreamReason : 'x').toBe(reason);
  });

  it('reads usage and the four durations from the final chunk', () => {
    const final = msg(
      { content: '' },
      {
        done: true,
        done_reason: 'stop',
        total_duration: 10,
        load_duration: 2,
        prompt_eval_count: 7,
        prompt_eval_duration: 3,
        eval_count: 5,
        eval_duration: 4,
      },
    );
    expect(decode([final])).toStrictEqual([
      {
        type: 'done',
        stopReason: 'end_turn',
        upstreamReason: 'stop',
        usage: { inputTokens: 7, outputTokens: 5 },
        timings: { totalNs: 10, loadNs: 2, promptEvalNs: 3, evalNs: 4 },
      },
    ]);
  });

  it.each<[string, unknown, string]>([
    [
      'error line',
      { error: 'an error was encountered while running the model: boom' },
      'an error was encountered while running the model: boom',
    ],
    ['not an object', [1], 'upstream sent a chunk that is not a JSON object'],
  ])('throws upstream for an %s', (_name, chunk, message) => {
    const decoder = new StreamDecoder();
    expect(() => decoder.push(chunk)).toThrow(new CorralError('upstream', message));
    try {
      decoder.push(chunk);
    } catch (err) {
      expect(err instanceof CorralError && err.kind).toBe('upstream');
    }
  });

  it('decodeStream fails a stream that ends without done (§3.3 silent stop)', async () => {
    async function* chunks(): AsyncGenerator<object> {
      yield msg({ content: 'partial' });
    }
    const seen: ChatEvent[] = [];
    await expect(async () => {
      for await (const event of decodeStream(chunks())) seen.push(event);
    }).rejects.toThrow('upstream stream ended without a final chunk');
    expect(seen).toStrictEqual([{ type: 'text_delta', text: 'partial' }]);
  });
});

describe('decodeEmbedResponse', () => {
  it('reads vectors, prompt tokens and timings', () => {
    expect(
      decodeEmbedResponse({
        model: 'e',
        embeddings: [[0.1, 0.2]],
        total_duration: 9,
        load_duration: 1,
        prompt_eval_count: 3,
      }),
    ).toStrictEqual({
      embeddings: [[0.1, 0.2]],
      usage: { inputTokens: 3, outputTokens: 0 },
      timings: { totalNs: 9, loadNs: 1 },
    });
  });

  it.each<[string, unknown, string]>([
    [
      'error body',
      { error: 'model "x" not found, try pulling it first' },
      'model "x" not found, try pulling it first',
    ],
    ['bad vectors', { embeddings: [['a']] }, 'upstream embed answer has no valid "embeddings" array'],
  ])('throws upstream for %s', (_name, body, message) => {
    expect(() => decodeEmbedResponse(body)).toThrow(message);
  });
});
