/**
 * Anthropic stream events -> canonical events, for the cloud fallback. The event sequences are
 * built by hand the way the real API sends them (client-apis.md §A.7): message_start, pings,
 * dense content blocks each started, filled and stopped, one message_delta, message_stop.
 */
import { Stream } from '@anthropic-ai/sdk/streaming';
import { describe, expect, it } from 'vitest';
import type { ChatEvent, StopReason } from '../../core/chat.js';
import { CorralError } from '../../core/errors.js';
import { decodeAnthropicStream } from './decode-stream.js';
import { encodeMessagesStream } from './encode-stream.js';

type Json = Record<string, unknown>;

// The wire events of §A.7.
const messageStart = (usage: Json = { input_tokens: 412, output_tokens: 1 }): Json => ({
  type: 'message_start',
  message: {
    id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage,
  },
});
const ping: Json = { type: 'ping' };
const textStart = (index: number): Json => ({
  type: 'content_block_start',
  index,
  content_block: { type: 'text', text: '' },
});
const thinkingStart = (index: number): Json => ({
  type: 'content_block_start',
  index,
  content_block: { type: 'thinking', thinking: '', signature: '' },
});
const toolStart = (index: number, id: string, name: string): Json => ({
  type: 'content_block_start',
  index,
  content_block: { type: 'tool_use', id, name, input: {} },
});
const textDelta = (index: number, text: string): Json => ({
  type: 'content_block_delta',
  index,
  delta: { type: 'text_delta', text },
});
const thinkingDelta = (index: number, thinking: string): Json => ({
  type: 'content_block_delta',
  index,
  delta: { type: 'thinking_delta', thinking },
});
const signatureDelta = (index: number): Json => ({
  type: 'content_block_delta',
  index,
  delta: { type: 'signature_delta', signature: 'EqQBCkYIBxgCKkDkU0wZ' },
});
const jsonDelta = (index: number, partial_json: string): Json => ({
  type: 'content_block_delta',
  index,
  delta: { type: 'input_json_delta', partial_json },
});
const blockStop = (index: number): Json => ({ type: 'content_block_stop', index });
const messageDelta = (stop_reason: string | null, usage: Json = { output_tokens: 37 }): Json => ({
  type: 'message_delta',
  delta: { stop_reason, stop_sequence: null },
  usage,
});
const messageStop: Json = { type: 'message_stop' };
const errorEvent = (type: string, message: string): Json => ({ type: 'error', error: { type, message } });

/** A whole answer: message_start, the blocks, message_delta, message_stop. */
const answer = (blocks: Json[], stop: string | null = 'end_turn', usage?: Json): Json[] => [
  messageStart(),
  ping,
  ...blocks,
  messageDelta(stop, usage),
  messageStop,
];

async function* iterate<T>(events: T[]): AsyncGenerator<T> {
  yield* events;
}

async function decode(events: unknown[]): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for await (const event of decodeAnthropicStream(iterate(events))) out.push(event);
  return out;
}

/** The error `decode` ends with, and the events it yielded before. */
async function failure(events: unknown[]): Promise<{ error: CorralError; before: ChatEvent[] }> {
  const before: ChatEvent[] = [];
  try {
    for await (const event of decodeAnthropicStream(iterate(events))) before.push(event);
  } catch (err) {
    if (err instanceof CorralError) return { error: err, before };
    throw err;
  }
  throw new Error('expected a CorralError');
}

const text = (t: string): ChatEvent => ({ type: 'text_delta', text: t });
const think = (t: string): ChatEvent => ({ type: 'thinking_delta', thinking: t });
const call = (id: string, name: string, input: Record<string, unknown>): ChatEvent => ({
  type: 'tool_call',
  call: { id, name, input },
});
const done = (stopReason: StopReason = 'end_turn', inputTokens = 412, outputTokens = 37): ChatEvent => ({
  type: 'done',
  stopReason,
  usage: { inputTokens, outputTokens },
});

describe('decodeAnthropicStream: content', () => {
  it('yields text deltas in order, then done', async () => {
    const events = await decode(
      answer([textStart(0), textDelta(0, 'Hel'), textDelta(0, 'lo, '), textDelta(0, 'world.'), blockStop(0)]),
    );
    expect(events).toEqual([text('Hel'), text('lo, '), text('world.'), done()]);
  });

  it('yields nothing for empty text deltas', async () => {
    const events = await decode(answer([textStart(0), textDelta(0, ''), textDelta(0, 'x'), blockStop(0)]));
    expect(events).toEqual([text('x'), done()]);
  });

  it('yields text that arrives whole in content_block_start (proxies do this)', async () => {
    const start = { type: 'content_block_start', index: 0, content_block: { type: 'text', text: 'Hi' } };
    const events = await decode(answer([start, textDelta(0, '!'), blockStop(0)]));
    expect(events).toEqual([text('Hi'), text('!'), done()]);
  });

  it('yields thinking deltas, ignores the signature, then the text of the next block', async () => {
    const events = await decode(
      answer([
        thinkingStart(0),
        thinkingDelta(0, 'Let me '),
        thinkingDelta(0, 'think.'),
        signatureDelta(0),
        blockStop(0),
        textStart(1),
        textDelta(1, 'Done.'),
        blockStop(1),
      ]),
    );
    expect(events).toEqual([think('Let me '), think('think.'), text('Done.'), done()]);
  });

  it('drops redacted_thinking blocks', async () => {
    const redacted = {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
    };
    const events = await decode(
      answer([redacted, blockStop(0), textStart(1), textDelta(1, 'ok'), blockStop(1)]),
    );
    expect(events).toEqual([text('ok'), done()]);
  });
});

describe('decodeAnthropicStream: tool calls', () => {
  it('assembles a tool_use from input_json_delta pieces', async () => {
    const events = await decode(
      answer(
        [
          textStart(0),
          textDelta(0, 'Checking.'),
          blockStop(0),
          toolStart(1, 'toolu_01A09q90qw90lq917835lq9', 'get_weather'),
          jsonDelta(1, ''),
          jsonDelta(1, '{"city":'),
          jsonDelta(1, ' "Os'),
          jsonDelta(1, 'lo", "days": [1, 2'),
          jsonDelta(1, ']}'),
          blockStop(1),
        ],
        'tool_use',
      ),
    );
    expect(events).toEqual([
      text('Checking.'),
      call('toolu_01A09q90qw90lq917835lq9', 'get_weather', { city: 'Oslo', days: [1, 2] }),
      done('tool_use'),
    ]);
  });

  it('emits the call only once its block has stopped', async () => {
    const consumed: Json[] = [];
    async function* recorded(events: Json[]): AsyncGenerator<unknown> {
      for (const event of events) {
        consumed.push(event);
        yield event;
      }
    }
    const wire = answer(
      [toolStart(0, 'toolu_1', 'f'), jsonDelta(0, '{"a":'), jsonDelta(0, '1}'), blockStop(0)],
      'tool_use',
    );
    for await (const event of decodeAnthropicStream(recorded(wire))) {
      if (event.type === 'tool_call') {
        expect(consumed.at(-1)).toEqual(blockStop(0));
        expect(event.call.input).toEqual({ a: 1 });
      }
    }
  });

  it('keeps escapes and unicode split across pieces byte-exact', async () => {
    const body = 'a "quoted" | piped \\ line\nnaïve ✓ 日本語 🦙';
    const json = JSON.stringify({ body });
    const pieces = json.match(/.{1,3}/gsu) ?? [];
    const events = await decode(
      answer(
        [toolStart(0, 'toolu_1', 'write'), ...pieces.map((p) => jsonDelta(0, p)), blockStop(0)],
        'tool_use',
      ),
    );
    expect(events[0]).toEqual(call('toolu_1', 'write', { body }));
  });

  it('gives a call with no input_json_delta an empty input (the API sends none for `{}`)', async () => {
    const events = await decode(answer([toolStart(0, 'toolu_1', 'now'), blockStop(0)], 'tool_use'));
    expect(events).toEqual([call('toolu_1', 'now', {}), done('tool_use')]);
  });

  it('yields two parallel calls in block order, each with its own id and input', async () => {
    const events = await decode(
      answer(
        [
          textStart(0),
          textDelta(0, 'Both cities.'),
          blockStop(0),
          toolStart(1, 'toolu_A', 'get_weather'),
          jsonDelta(1, '{"city":"Oslo"}'),
          blockStop(1),
          toolStart(2, 'toolu_B', 'get_weather'),
          jsonDelta(2, '{"city":'),
          jsonDelta(2, '"Rome"}'),
          blockStop(2),
        ],
        'tool_use',
      ),
    );
    expect(events).toEqual([
      text('Both cities.'),
      call('toolu_A', 'get_weather', { city: 'Oslo' }),
      call('toolu_B', 'get_weather', { city: 'Rome' }),
      done('tool_use'),
    ]);
  });

  it('throws upstream on tool input that is not JSON, naming the tool', async () => {
    const { error, before } = await failure(
      answer([toolStart(0, 'toolu_1', 'get_weather'), jsonDelta(0, '{"city":"Os'), blockStop(0)], 'tool_use'),
    );
    expect(error.kind).toBe('upstream');
    expect(error.message).toContain('get_weather');
    expect(before).toEqual([]);
  });

  it('throws upstream on two JSON objects glued together (litellm#33678)', async () => {
    const { error } = await failure(
      answer([toolStart(0, 'toolu_1', 'read'), jsonDelta(0, '{"path":"a"}{"path":"b"}'), blockStop(0)]),
    );
    expect(error.kind).toBe('upstream');
  });
});

describe('decodeAnthropicStream: usage', () => {
  it('takes input from message_start and output from message_delta', async () => {
    const events = await decode(answer([textStart(0), textDelta(0, 'x'), blockStop(0)]));
    expect(events.at(-1)).toEqual(done('end_turn', 412, 37));
  });

  it('counts cache reads and cache writes as input', async () => {
    const events = await decode([
      messageStart({
        input_tokens: 12,
        cache_read_input_tokens: 3000,
        cache_creation_input_tokens: 250,
        output_tokens: 1,
      }),
      textStart(0),
      textDelta(0, 'x'),
      blockStop(0),
      messageDelta('end_turn', { output_tokens: 5 }),
      messageStop,
    ]);
    expect(events.at(-1)).toEqual(done('end_turn', 3262, 5));
  });

  it('treats message_delta output_tokens as cumulative, not as an increment', async () => {
    const events = await decode([
      messageStart({ input_tokens: 10, output_tokens: 4 }),
      textStart(0),
      textDelta(0, 'x'),
      blockStop(0),
      messageDelta('end_turn', { output_tokens: 90 }),
      messageStop,
    ]);
    expect(events.at(-1)).toEqual(done('end_turn', 10, 90));
  });

  it('takes input counts repeated in message_delta as the totals (the newer API sends them)', async () => {
    const events = await decode([
      messageStart({ input_tokens: 12, cache_read_input_tokens: 3000, output_tokens: 1 }),
      messageDelta('end_turn', {
        input_tokens: 12,
        cache_read_input_tokens: 3000,
        cache_creation_input_tokens: 0,
        output_tokens: 7,
      }),
      messageStop,
    ]);
    expect(events.at(-1)).toEqual(done('end_turn', 3012, 7));
  });

  it('lets message_delta correct an estimate from message_start, as the SDK does (§A.7)', async () => {
    // A gateway upstream (Ollama's own Anthropic layer, another Corral) only learns the prompt
    // count at the end: an estimate first, the real count in message_delta.
    const events = await decode([
      messageStart({ input_tokens: 40, output_tokens: 0 }),
      messageDelta('end_turn', { input_tokens: 12, output_tokens: 5 }),
      messageStop,
    ]);
    expect(events.at(-1)).toEqual(done('end_turn', 12, 5));
  });

  it('keeps the message_start counts when message_delta carries no usage', async () => {
    const events = await decode([
      messageStart({ input_tokens: 8, output_tokens: 3 }),
      { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null } },
      messageStop,
    ]);
    expect(events).toEqual([done('end_turn', 8, 3)]);
  });

  it('counts 0 when message_start has no usage', async () => {
    const events = await decode([{ type: 'message_start', message: { content: [] } }, messageStop]);
    expect(events).toEqual([done('end_turn', 0, 0)]);
  });
});

describe('decodeAnthropicStream: stop reasons', () => {
  const reasons: Array<[string | null, StopReason]> = [
    ['end_turn', 'end_turn'],
    ['max_tokens', 'max_tokens'],
    ['tool_use', 'tool_use'],
    ['stop_sequence', 'stop_sequence'],
    ['pause_turn', 'end_turn'],
    ['refusal', 'end_turn'],
    // A truncation, like max_tokens: reporting end_turn would hide it (§D.10's bug family).
    ['model_context_window_exceeded', 'max_tokens'],
    ['something_new', 'end_turn'],
    [null, 'end_turn'],
  ];
  for (const [wire, canonical] of reasons) {
    it(`${String(wire)} → ${canonical}`, async () => {
      const events = await decode(answer([textStart(0), textDelta(0, 'x'), blockStop(0)], wire));
      expect(events.at(-1)).toMatchObject({ type: 'done', stopReason: canonical });
    });
  }

  it('is end_turn when no message_delta came', async () => {
    expect(await decode([messageStart(), messageStop])).toEqual([done('end_turn', 412, 1)]);
  });
});

describe('decodeAnthropicStream: what it skips', () => {
  it('ignores pings anywhere, unknown events and unknown deltas', async () => {
    const events = await decode([
      ping,
      messageStart(),
      ping,
      textStart(0),
      ping,
      textDelta(0, 'a'),
      {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'citations_delta', citation: { cited_text: 'q' } },
      },
      { type: 'some_future_event', payload: { x: 1 } },
      textDelta(0, 'b'),
      ping,
      blockStop(0),
      messageDelta('end_turn'),
      ping,
      messageStop,
    ]);
    expect(events).toEqual([text('a'), text('b'), done()]);
  });

  it('ignores values that are not event objects', async () => {
    const events = await decode([
      messageStart(),
      null,
      'data',
      42,
      ['x'],
      textStart(0),
      textDelta(0, 'ok'),
      blockStop(0),
      messageStop,
    ]);
    expect(events).toEqual([text('ok'), done('end_turn', 412, 1)]);
  });

  it('ignores json deltas aimed at a text block and text deltas aimed at nothing', async () => {
    const events = await decode(
      answer([textStart(0), jsonDelta(0, '{"a":1}'), textDelta(0, 'x'), blockStop(0)]),
    );
    expect(events).toEqual([text('x'), done()]);
  });

  it('stops reading at message_stop', async () => {
    async function* thenBroken(): AsyncGenerator<unknown> {
      yield* answer([textStart(0), textDelta(0, 'x'), blockStop(0)]);
      throw new Error('read past message_stop');
    }
    const events: ChatEvent[] = [];
    for await (const event of decodeAnthropicStream(thenBroken())) events.push(event);
    expect(events).toEqual([text('x'), done()]);
  });
});

describe('decodeAnthropicStream: failures', () => {
  const kinds: Array<[string, string]> = [
    ['overloaded_error', 'overloaded'],
    ['rate_limit_error', 'rate_limited'],
    ['api_error', 'upstream'],
    ['invalid_request_error', 'invalid_request'],
    ['timeout_error', 'timeout'],
    ['billing_error', 'upstream'],
    ['brand_new_error', 'upstream'],
  ];
  for (const [type, kind] of kinds) {
    it(`an error event of type ${type} throws ${kind}`, async () => {
      const { error } = await failure([messageStart(), ping, errorEvent(type, 'Overloaded')]);
      expect(error).toBeInstanceOf(CorralError);
      expect(error.kind).toBe(kind);
      expect(error.message).toContain('Overloaded');
    });
  }

  it('delivers what came before an error event, then throws', async () => {
    const { error, before } = await failure([
      messageStart(),
      textStart(0),
      textDelta(0, 'partial'),
      errorEvent('overloaded_error', 'Overloaded'),
      blockStop(0),
      messageDelta('end_turn'),
      messageStop,
    ]);
    expect(before).toEqual([text('partial')]);
    expect(error.kind).toBe('overloaded');
  });

  it('throws upstream for an error event with no details', async () => {
    const { error } = await failure([messageStart(), { type: 'error' }]);
    expect(error.kind).toBe('upstream');
  });

  it('throws upstream when the stream ends without message_stop', async () => {
    const { error, before } = await failure([
      messageStart(),
      textStart(0),
      textDelta(0, 'cut'),
      blockStop(0),
      messageDelta('end_turn'),
    ]);
    expect(error.kind).toBe('upstream');
    expect(before).toEqual([text('cut')]);
  });

  it('throws upstream when the stream is cut inside a tool call, without yielding the call', async () => {
    const { error, before } = await failure([
      messageStart(),
      toolStart(0, 'toolu_1', 'f'),
      jsonDelta(0, '{"a":1}'),
    ]);
    expect(error.kind).toBe('upstream');
    expect(before).toEqual([]);
  });

  it('throws upstream for an empty stream', async () => {
    expect((await failure([])).error.kind).toBe('upstream');
  });
});

describe('decodeAnthropicStream: behind the official SDK', () => {
  /** The SSE body as the API writes it, parsed by the SDK's own stream reader (raw iteration). */
  function sdkEvents(sse: string): AsyncIterable<unknown> {
    return Stream.fromSSEResponse(new Response(sse), new AbortController());
  }
  const frame = (data: Json) => `event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`;

  it('decodes a thinking + text + tool call answer from SSE text', async () => {
    const wire = answer(
      [
        thinkingStart(0),
        thinkingDelta(0, 'Need the weather.'),
        signatureDelta(0),
        blockStop(0),
        textStart(1),
        textDelta(1, 'Checking.'),
        blockStop(1),
        toolStart(2, 'toolu_01', 'get_weather'),
        jsonDelta(2, '{"city":'),
        jsonDelta(2, '"Oslo"}'),
        blockStop(2),
      ],
      'tool_use',
    );
    const events: ChatEvent[] = [];
    for await (const event of decodeAnthropicStream(sdkEvents(wire.map(frame).join('')))) events.push(event);
    expect(events).toEqual([
      think('Need the weather.'),
      text('Checking.'),
      call('toolu_01', 'get_weather', { city: 'Oslo' }),
      done('tool_use'),
    ]);
  });

  it("decodes our own encoder's stream back to the events it was given (a Corral upstream)", async () => {
    const given: ChatEvent[] = [
      think('Hmm.'),
      text('Two calls:'),
      call('toolu_1', 'get_weather', { city: 'Oslo', note: 'a "quoted" ✓' }),
      call('toolu_2', 'get_weather', { city: 'Rome' }),
      { type: 'done', stopReason: 'tool_use', usage: { inputTokens: 12, outputTokens: 9 } },
    ];
    let n = 0;
    const ctx = { id: 'msg_rt', model: 'qwen3:8b', inputTokens: 40, newToolUseId: () => `toolu_${++n}` };
    let sse = '';
    for await (const chunk of encodeMessagesStream(iterate(given), ctx)) sse += chunk;
    const events: ChatEvent[] = [];
    for await (const event of decodeAnthropicStream(sdkEvents(sse))) events.push(event);
    expect(events).toEqual(given);
  });
});
