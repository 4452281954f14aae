import { describe, expect, it } from 'vitest';
import type { ChatEvent, StopReason } from '../../core/chat.js';
import { CorralError } from '../../core/errors.js';
import { aggregateMessage, encodeMessagesStream, pingFrame, sseFrame } from './encode-stream.js';
import { UNSIGNED_THINKING_SIGNATURE } from './identifiers.js';
import { grammarViolation, parseSseText } from './stream-grammar.js';

type Done = Extract<ChatEvent, { type: 'done' }>;
const done = (over: Partial<Done> = {}): Done => ({
  type: 'done',
  stopReason: 'end_turn',
  usage: { inputTokens: 12, outputTokens: 5 },
  ...over,
});
const text = (t: string): ChatEvent => ({ type: 'text_delta', text: t });
const think = (t: string): ChatEvent => ({ type: 'thinking_delta', thinking: t });
const call = (name: string, input: Record<string, unknown> = {}, id = 'call_1'): ChatEvent => ({
  type: 'tool_call',
  call: { id, name, input },
});

function context() {
  let n = 0;
  return { id: 'msg_test', model: 'qwen3:8b', inputTokens: 40, newToolUseId: () => `toolu_${++n}` };
}

async function* iterate(events: ChatEvent[]): AsyncGenerator<ChatEvent> {
  yield* events;
}

interface Frame {
  event: string;
  data: Record<string, unknown>;
}

async function stream(events: ChatEvent[]): Promise<Frame[]> {
  let raw = '';
  for await (const frame of encodeMessagesStream(iterate(events), context())) raw += frame;
  const frames = parseSseText(raw);
  return frames as Frame[];
}

function assertGrammar(frames: Frame[]): void {
  expect(grammarViolation(frames)).toBeUndefined();
}

describe('encodeMessagesStream: §A.7 grammar', () => {
  it('starts with message_start carrying content [] and usage (SDK crashes without them)', async () => {
    const frames = await stream([text('Hi'), done()]);
    assertGrammar(frames);
    expect(frames[0]?.data).toEqual({
      type: 'message_start',
      message: {
        id: 'msg_test',
        type: 'message',
        role: 'assistant',
        model: 'qwen3:8b',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: 40,
          output_tokens: 0,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
      },
    });
  });

  it('emits the exact frames for text, with a blank line after the last one', async () => {
    let raw = '';
    for await (const f of encodeMessagesStream(iterate([text('Hel'), text('lo'), done()]), context()))
      raw += f;
    expect(raw.split('event: ').slice(2).join('event: ')).toBe(
      [
        sseFrame('content_block_start', {
          type: 'content_block_start',
          index: 0,
          content_block: { type: 'text', text: '' },
        }),
        sseFrame('content_block_delta', {
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'text_delta', text: 'Hel' },
        }),
        sseFrame('content_block_delta', {
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'text_delta', text: 'lo' },
        }),
        sseFrame('content_block_stop', { type: 'content_block_stop', index: 0 }),
        sseFrame('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          usage: {
            input_tokens: 12,
            output_tokens: 5,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
          },
        }),
        sseFrame('message_stop', { type: 'message_stop' }),
      ]
        .join('')
        .slice('event: '.length),
    );
  });

  it('gives dense indexes from 0 with one block open at a time across every block kind', async () => {
    const frames = await stream([think('a'), text('b'), call('x'), text('c'), think('d'), call('y'), done()]);
    assertGrammar(frames);
    const starts = frames.filter((f) => f.event === 'content_block_start');
    expect(starts.map((f) => (f.data['content_block'] as { type: string }).type)).toEqual([
      'thinking',
      'text',
      'tool_use',
      'text',
      'thinking',
      'tool_use',
    ]);
  });

  it('ends every thinking block with a signature_delta before its stop', async () => {
    const frames = await stream([think('hm'), text('ok'), done()]);
    assertGrammar(frames);
    expect(frames[1]?.data['content_block']).toEqual({ type: 'thinking', thinking: '', signature: '' });
    expect(frames[3]?.data).toEqual({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'signature_delta', signature: UNSIGNED_THINKING_SIGNATURE },
    });
    expect(frames[4]?.data).toEqual({ type: 'content_block_stop', index: 0 });
  });

  it('closes a thinking block still open at the end, with its signature', async () => {
    const frames = await stream([think('only thoughts'), done()]);
    assertGrammar(frames);
    expect(frames.map((f) => f.event)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('sends a tool call as start({input:{}}), one input_json_delta with the whole JSON, stop', async () => {
    const frames = await stream([call('get_weather', { city: 'Oslo', days: [1, 2] }), done()]);
    assertGrammar(frames);
    expect(frames.slice(1, 4).map((f) => f.data)).toEqual([
      {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} },
      },
      {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'input_json_delta', partial_json: '{"city":"Oslo","days":[1,2]}' },
      },
      { type: 'content_block_stop', index: 0 },
    ]);
  });

  it('emits a generation with no content as message_start, message_delta, message_stop', async () => {
    const frames = await stream([text(''), think(''), done()]);
    assertGrammar(frames);
    expect(frames.map((f) => f.event)).toEqual(['message_start', 'message_delta', 'message_stop']);
  });

  it('puts real usage in message_delta and falls back to the estimate when Ollama gave no prompt count', async () => {
    const real = await stream([text('x'), done({ usage: { inputTokens: 77, outputTokens: 3 } })]);
    expect(real.at(-2)?.data['usage']).toMatchObject({ input_tokens: 77, output_tokens: 3 });
    const none = await stream([text('x'), done({ usage: { inputTokens: 0, outputTokens: 3 } })]);
    expect(none.at(-2)?.data['usage']).toMatchObject({ input_tokens: 40, output_tokens: 3 });
  });

  it('throws an upstream error when the generation ends without done', async () => {
    const frames: string[] = [];
    const run = async () => {
      for await (const f of encodeMessagesStream(iterate([text('partial')]), context())) frames.push(f);
    };
    await expect(run()).rejects.toMatchObject({ kind: 'upstream' });
    expect(frames[0]).toMatch(/^event: message_start/);
  });

  it('lets errors thrown by the source pass through unchanged', async () => {
    async function* failing(): AsyncGenerator<ChatEvent> {
      yield text('a');
      throw new CorralError('overloaded', 'busy');
    }
    const run = async () => {
      for await (const _ of encodeMessagesStream(failing(), context()));
    };
    await expect(run()).rejects.toMatchObject({ kind: 'overloaded', message: 'busy' });
  });

  it('pingFrame is a named ping event', () => {
    expect(pingFrame()).toBe('event: ping\ndata: {"type":"ping"}\n\n');
  });
});

describe('stop reasons (client-apis.md §C.2)', () => {
  const rows: Array<{
    name: string;
    events: ChatEvent[];
    stop: StopReason;
    upstream?: string;
    want: string;
  }> = [
    { name: 'stop with a tool call → tool_use', events: [call('a')], stop: 'end_turn', want: 'tool_use' },
    {
      name: 'canonical tool_use with a call → tool_use',
      events: [call('a')],
      stop: 'tool_use',
      want: 'tool_use',
    },
    { name: 'stop, no tool call → end_turn', events: [text('hi')], stop: 'end_turn', want: 'end_turn' },
    {
      name: 'stop sequence → stop_sequence',
      events: [text('hi')],
      stop: 'stop_sequence',
      want: 'stop_sequence',
    },
    { name: 'length → max_tokens', events: [text('hi')], stop: 'max_tokens', want: 'max_tokens' },
    {
      name: 'length with a tool call → max_tokens',
      events: [call('a')],
      stop: 'max_tokens',
      want: 'max_tokens',
    },
    { name: 'tool_use without a call → end_turn', events: [text('hi')], stop: 'tool_use', want: 'end_turn' },
    { name: 'load (empty) → end_turn', events: [], stop: 'end_turn', upstream: 'load', want: 'end_turn' },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const end = done({ stopReason: row.stop, ...(row.upstream ? { upstreamReason: row.upstream } : {}) });
      const frames = await stream([...row.events, end]);
      assertGrammar(frames);
      expect(frames.at(-2)?.data['delta']).toEqual({ stop_reason: row.want, stop_sequence: null });
      const message = await aggregateMessage(iterate([...row.events, end]), context());
      expect(message.stop_reason).toBe(row.want);
    });
  }
});

describe('aggregateMessage (§A.6)', () => {
  it('builds the same blocks the stream carries, with citations null on text', async () => {
    const message = await aggregateMessage(
      iterate([
        think('User wants '),
        think('weather.'),
        text('Checking.'),
        call('get_weather', { city: 'Oslo' }),
        done({ stopReason: 'tool_use', usage: { inputTokens: 412, outputTokens: 37 } }),
      ]),
      context(),
    );
    expect(message).toEqual({
      id: 'msg_test',
      type: 'message',
      role: 'assistant',
      model: 'qwen3:8b',
      content: [
        { type: 'thinking', thinking: 'User wants weather.', signature: UNSIGNED_THINKING_SIGNATURE },
        { type: 'text', text: 'Checking.', citations: null },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: 412,
        output_tokens: 37,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    });
  });

  it('returns an empty content array for an empty generation', async () => {
    const message = await aggregateMessage(
      iterate([done({ usage: { inputTokens: 0, outputTokens: 0 } })]),
      context(),
    );
    expect(message.content).toEqual([]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.input_tokens).toBe(40);
  });

  it('rejects when the generation ends without done', async () => {
    await expect(aggregateMessage(iterate([text('x')]), context())).rejects.toMatchObject({
      kind: 'upstream',
    });
  });
});
