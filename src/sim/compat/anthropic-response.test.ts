import { describe, expect, it } from 'vitest';
import type { NativeChatChunk, NativeToolCall } from '../contract.js';
import {
  AnthropicStreamEncoder,
  encodeAnthropicStream,
  mapStopReason,
  toAnthropicMessage,
  type AnthropicEvent,
} from './anthropic-response.js';
import { collectNativeRun, type NativeItem } from './native-chunks.js';

// §6.7 conformance scenarios 14–24 (Ollama's anthropic_test.go / middleware tests), §6.3–§6.5.

function chunk(
  message: Partial<NativeChatChunk['message']>,
  extra: Partial<NativeChatChunk> = {},
): NativeChatChunk {
  return {
    model: 'test-model',
    created_at: '2026-01-01T00:00:00.123456789Z',
    message: { role: 'assistant', content: '', ...message },
    done: false,
    ...extra,
  };
}

function done(
  message: Partial<NativeChatChunk['message']>,
  reason = 'stop',
  prompt = 10,
  output = 5,
): NativeChatChunk {
  return chunk(message, { done: true, done_reason: reason, prompt_eval_count: prompt, eval_count: output });
}

const call = (id: string, name: string, args: Record<string, unknown>): NativeToolCall => ({
  id,
  function: { index: 0, name, arguments: args },
});

async function* source(items: NativeItem[]): AsyncGenerator<NativeItem> {
  for (const item of items) yield item;
}

function run(items: NativeItem[]): AnthropicEvent[] {
  const enc = new AnthropicStreamEncoder({
    id: 'msg_0123456789abcdef01234567',
    model: 'test-model',
    estimatedInputTokens: 7,
  });
  return items.flatMap((i) => enc.events(i));
}

/** A compact trace: event name, index, and block/delta type. */
function trace(events: AnthropicEvent[]): string[] {
  return events.map(({ event, data }) => {
    const block = data.content_block as { type?: string } | undefined;
    const delta = data.delta as { type?: string } | undefined;
    const idx = typeof data.index === 'number' ? ` ${data.index}` : '';
    const kind = block?.type ?? (event === 'content_block_delta' ? delta?.type : undefined);
    return `${event}${idx}${kind ? ` ${kind}` : ''}`;
  });
}

describe('toAnthropicMessage (non-streaming, §6.3)', () => {
  it('14. text reply', async () => {
    const collected = await collectNativeRun(
      source([chunk({ content: 'Hello' }), done({ content: ' there!' })]),
    );
    if (!collected.ok) throw new Error('collect failed');
    const msg = toAnthropicMessage('msg_x', collected.response);
    expect(msg).toEqual({
      id: 'msg_x',
      type: 'message',
      role: 'assistant',
      model: 'test-model',
      content: [{ type: 'text', text: 'Hello there!' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 10, output_tokens: 5 },
    });
  });

  it('15. tool call only → tool_use block and stop_reason tool_use', () => {
    const msg = toAnthropicMessage(
      'msg_x',
      done({ tool_calls: [call('call_1', 'get_weather', { city: 'Paris' })] }),
    );
    expect(msg.content).toEqual([
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
    ]);
    expect(msg.stop_reason).toBe('tool_use');
  });

  it('15. thinking + content → thinking first, then text (no signature)', () => {
    const msg = toAnthropicMessage('msg_x', done({ thinking: 'Hmm.', content: 'Answer.' }));
    expect(msg.content).toEqual([
      { type: 'thinking', thinking: 'Hmm.' },
      { type: 'text', text: 'Answer.' },
    ]);
  });

  it('an empty reply has content null and no stop_reason when done_reason is empty', () => {
    const msg = toAnthropicMessage('msg_x', chunk({}, { done: true }));
    expect(msg.content).toBeNull();
    expect('stop_reason' in msg).toBe(false);
  });

  it('a mid-run error discards the partial output', async () => {
    const collected = await collectNativeRun(source([chunk({ content: 'Hel' }), { error: 'boom' }]));
    expect(collected).toEqual({ ok: false, status: 500, error: 'boom' });
  });
});

describe('mapStopReason (16)', () => {
  it.each([
    ['stop', false, 'end_turn'],
    ['length', false, 'max_tokens'],
    ['stop', true, 'tool_use'],
    ['length', true, 'tool_use'],
    ['other', false, 'stop_sequence'],
    ['', false, ''],
  ])('(%s, tools=%s) → %s', (reason, tools, expected) => {
    expect(mapStopReason(reason, tools)).toBe(expected);
  });
});

describe('AnthropicStreamEncoder (§6.4)', () => {
  it('19. two text chunks', () => {
    const enc = new AnthropicStreamEncoder({ id: 'msg_a', model: 'test-model', estimatedInputTokens: 3 });
    const first = enc.events(chunk({ content: 'Hello' }, { prompt_eval_count: 10 }));
    expect(trace(first)).toEqual([
      'message_start',
      'content_block_start 0 text',
      'content_block_delta 0 text_delta',
    ]);
    expect(first[0]?.data).toEqual({
      type: 'message_start',
      message: {
        id: 'msg_a',
        type: 'message',
        role: 'assistant',
        model: 'test-model',
        content: [],
        usage: { input_tokens: 10, output_tokens: 0 },
      },
    });
    const last = enc.events(done({ content: ' world!' }));
    expect(trace(last)).toEqual([
      'content_block_delta 0 text_delta',
      'content_block_stop 0',
      'message_delta',
      'message_stop',
    ]);
    expect(last[2]?.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn' },
      usage: { input_tokens: 10, output_tokens: 5 },
    });
    expect(enc.ended).toBe(true);
  });

  it('message_start falls back to the len/4 estimate when the first chunk has no prompt count', () => {
    const events = run([chunk({ content: 'Hi' })]);
    expect(events[0]?.data).toMatchObject({ message: { usage: { input_tokens: 7, output_tokens: 0 } } });
  });

  it('20. a single done chunk with a tool call', () => {
    const events = run([done({ tool_calls: [call('call_1', 'get_weather', { city: 'Paris' })] })]);
    expect(trace(events)).toEqual([
      'message_start',
      'content_block_start 0 tool_use',
      'content_block_delta 0 input_json_delta',
      'content_block_stop 0',
      'message_delta',
      'message_stop',
    ]);
    expect(events[2]?.data.delta).toEqual({ type: 'input_json_delta', partial_json: '{"city":"Paris"}' });
    expect(events[4]?.data.delta).toEqual({ stop_reason: 'tool_use' });
  });

  it('21. thinking then a tool call: the tool_use block takes index 1', () => {
    const events = run([
      chunk({ thinking: 'Let me check.' }),
      done({ tool_calls: [call('call_1', 'f', {})] }),
    ]);
    expect(trace(events)).toEqual([
      'message_start',
      'content_block_start 0 thinking',
      'content_block_delta 0 thinking_delta',
      'content_block_stop 0',
      'content_block_start 1 tool_use',
      'content_block_delta 1 input_json_delta',
      'content_block_stop 1',
      'message_delta',
      'message_stop',
    ]);
  });

  it('22. text, thinking, text: each block gets its own index', () => {
    const events = run([
      chunk({ content: '---\n' }),
      chunk({ thinking: 'Let me think.' }),
      done({ content: 'The answer.' }),
    ]);
    expect(trace(events)).toEqual([
      'message_start',
      'content_block_start 0 text',
      'content_block_delta 0 text_delta',
      'content_block_stop 0',
      'content_block_start 1 thinking',
      'content_block_delta 1 thinking_delta',
      'content_block_stop 1',
      'content_block_start 2 text',
      'content_block_delta 2 text_delta',
      'content_block_stop 2',
      'message_delta',
      'message_stop',
    ]);
  });

  it('only one thinking block: thinking after it was closed is dropped', () => {
    const events = run([
      chunk({ thinking: 'a' }),
      chunk({ content: 'b' }),
      chunk({ thinking: 'c' }),
      done({}),
    ]);
    expect(trace(events).filter((e) => e.includes('thinking'))).toEqual([
      'content_block_start 0 thinking',
      'content_block_delta 0 thinking_delta',
    ]);
  });

  it('23. a tool call whose arguments cannot be serialised is skipped', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const events = run([done({ tool_calls: [call('bad', 'f', cyclic), call('good', 'g', { x: 1 })] })]);
    expect(trace(events).filter((e) => e.includes('tool_use') || e.includes('input_json'))).toEqual([
      'content_block_start 0 tool_use',
      'content_block_delta 0 input_json_delta',
    ]);
    expect(events[1]?.data.content_block).toMatchObject({ id: 'good' });
  });

  it('tool calls are deduplicated by id', () => {
    const tc = call('call_1', 'f', {});
    const events = run([chunk({ tool_calls: [tc] }), done({ tool_calls: [tc] })]);
    expect(trace(events).filter((e) => e.startsWith('content_block_start'))).toHaveLength(1);
  });

  it('24. start blocks carry text:"", thinking:"" and input:{}, and only tool_use has input', async () => {
    const frames: string[] = [];
    const items = [
      chunk({ thinking: 't' }),
      chunk({ content: 'x' }),
      done({ tool_calls: [call('c', 'f', { a: 1 })] }),
    ];
    for await (const f of encodeAnthropicStream(source(items), {
      id: 'msg_a',
      model: 'm',
      estimatedInputTokens: 1,
    }))
      frames.push(f);
    const starts = frames.filter((f) => f.startsWith('event: content_block_start\n'));
    expect(starts.map((f) => f.split('\n')[1])).toEqual([
      'data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}',
      'data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}',
      'data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"c","name":"f","input":{}}}',
    ]);
    expect(frames.every((f) => /^event: [a-z_]+\ndata: \{.*\}\n\n$/s.test(f))).toBe(true);
  });

  it('an empty generation is message_start, message_delta, message_stop', () => {
    expect(trace(run([done({})]))).toEqual(['message_start', 'message_delta', 'message_stop']);
  });

  it('a mid-stream error line ends the stream without message_delta or message_stop (§6.5)', async () => {
    const frames: string[] = [];
    const items: NativeItem[] = [
      chunk({ content: 'Hel' }),
      { error: 'model runner has unexpectedly stopped' },
      done({}),
    ];
    for await (const f of encodeAnthropicStream(source(items), {
      id: 'msg_a',
      model: 'm',
      estimatedInputTokens: 1,
    }))
      frames.push(f);
    expect(frames.map((f) => f.split('\n')[0])).toEqual([
      'event: message_start',
      'event: content_block_start',
      'event: content_block_delta',
    ]);
  });
});
