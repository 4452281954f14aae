import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../core/chat.js';
import { CorralError } from '../../core/errors.js';
import type { ChatCompletionsContext } from './encode-stream.js';
import { aggregateChatCompletion, encodeChatCompletionsStream, finishReasonFor } from './encode-stream.js';

type Done = Extract<ChatEvent, { type: 'done' }>;
const done = (over: Partial<Done> = {}): Done => ({
  type: 'done',
  stopReason: 'end_turn',
  usage: { inputTokens: 5, outputTokens: 7 },
  ...over,
});
const text = (t: string): ChatEvent => ({ type: 'text_delta', text: t });
const think = (t: string): ChatEvent => ({ type: 'thinking_delta', thinking: t });
const call = (id: string, name: string, input: Record<string, unknown>): ChatEvent => ({
  type: 'tool_call',
  call: { id, name, input },
});

function counterIds(): () => string {
  let n = 0;
  return () => `call_gen${++n}`;
}
const ctx = (over: Partial<ChatCompletionsContext> = {}): ChatCompletionsContext => ({
  id: 'chatcmpl-abc',
  model: 'qwen3:8b',
  created: 1764000000,
  includeUsage: false,
  newToolCallId: counterIds(),
  ...over,
});

async function* iterate(events: ChatEvent[], error?: Error): AsyncGenerator<ChatEvent> {
  yield* events;
  if (error !== undefined) throw error;
}

async function frames(events: ChatEvent[], c = ctx()): Promise<string[]> {
  const out: string[] = [];
  for await (const frame of encodeChatCompletionsStream(iterate(events), c)) out.push(frame);
  return out;
}

type Chunk = {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: Array<{ index: number; delta: Record<string, unknown>; finish_reason: string | null }>;
  usage?: unknown;
};
function parse(all: string[]): Chunk[] {
  return all
    .filter((f) => f !== 'data: [DONE]\n\n')
    .map((f) => JSON.parse(f.slice('data: '.length)) as Chunk);
}
const deltas = (chunks: Chunk[]) => chunks.flatMap((c) => c.choices.map((choice) => choice.delta));

describe('encodeChatCompletionsStream (client-apis.md B.4)', () => {
  it('frames are `data: <json>\\n\\n`, no event lines, ending with [DONE]', async () => {
    const out = await frames([text('Hi'), done()]);
    for (const frame of out) expect(frame).toMatch(/^data: [^\n]+\n\n$/);
    expect(out.at(-1)).toBe('data: [DONE]\n\n');
  });

  it('sends the role chunk first, once, then content, then an empty finish delta', async () => {
    const chunks = parse(await frames([text('Hel'), text(''), text('lo'), done()]));
    expect(deltas(chunks)).toStrictEqual([
      { role: 'assistant', content: '' },
      { content: 'Hel' },
      { content: 'lo' },
      {},
    ]);
    expect(chunks.map((c) => c.choices[0]?.finish_reason)).toStrictEqual([null, null, null, 'stop']);
  });

  it('carries the same id, created and model on every chunk, object chat.completion.chunk', async () => {
    const chunks = parse(await frames([text('a'), call('', 'f', {}), done()], ctx({ includeUsage: true })));
    for (const c of chunks) {
      expect([c.id, c.created, c.model, c.object]).toStrictEqual([
        'chatcmpl-abc',
        1764000000,
        'qwen3:8b',
        'chat.completion.chunk',
      ]);
    }
  });

  it('puts reasoning in reasoning_content and reasoning, never in content', async () => {
    const chunks = parse(await frames([think('hmm'), text('ok'), done()]));
    expect(deltas(chunks)[1]).toStrictEqual({ reasoning_content: 'hmm', reasoning: 'hmm' });
  });

  it('sends each tool call whole: index, id, type function, name, string arguments', async () => {
    const chunks = parse(
      await frames([call('', 'get_weather', { city: 'Oslo' }), done({ stopReason: 'tool_use' })]),
    );
    expect(deltas(chunks)[1]).toStrictEqual({
      tool_calls: [
        {
          index: 0,
          id: 'call_gen1',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
        },
      ],
    });
  });

  it('ends with a choices:[] usage chunk only when include_usage, usage:null on the others', async () => {
    const withUsage = parse(await frames([text('a'), done()], ctx({ includeUsage: true })));
    expect(withUsage.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
    });
    expect(withUsage.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    const without = parse(await frames([text('a'), done()]));
    expect(without.every((c) => !('usage' in c))).toBe(true);
    expect(without.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('an empty answer still has a role chunk and a finish chunk', async () => {
    expect(deltas(parse(await frames([done()])))).toStrictEqual([{ role: 'assistant', content: '' }, {}]);
  });

  it('yields nothing before the first event, so a failure before output keeps its status', async () => {
    const gen = encodeChatCompletionsStream(iterate([], new CorralError('overloaded', 'busy')), ctx());
    await expect(gen.next()).rejects.toMatchObject({ kind: 'overloaded' });
  });

  it('throws upstream (and sends no [DONE]) when the source ends without done', async () => {
    const out: string[] = [];
    const run = async () => {
      for await (const f of encodeChatCompletionsStream(iterate([text('a')]), ctx())) out.push(f);
    };
    await expect(run()).rejects.toMatchObject({ kind: 'upstream' });
    expect(out).not.toContain('data: [DONE]\n\n');
  });

  it('ollama#7881 / ollama#15457: two parallel calls get indexes 0 and 1 and distinct ids', async () => {
    const chunks = parse(await frames([call('', 'a', { p: 'a' }), call('', 'b', { p: 'b' }), done()]));
    const calls = deltas(chunks).flatMap(
      (d) => (d['tool_calls'] ?? []) as Array<{ index: number; id: string }>,
    );
    expect(calls.map((c) => c.index)).toStrictEqual([0, 1]);
    expect(new Set(calls.map((c) => c.id)).size).toBe(2);
  });

  it('router-for-me/CLIProxyAPI#1872: ids are replay-safe even for a tool named fs.readFile', async () => {
    const real = ctx({ newToolCallId: undefined });
    const chunks = parse(await frames([call('', 'fs.readFile', {}), call('bad.id', 'x', {}), done()], real));
    for (const d of deltas(chunks).slice(1, 3)) {
      const [tc] = d['tool_calls'] as Array<{ id: string }>;
      expect(tc?.id).toMatch(/^call_[0-9A-Za-z]{24}$/);
    }
  });

  it('keeps a safe upstream id, and re-mints a repeated one so ids stay unique', async () => {
    const chunks = parse(await frames([call('call_x1', 'a', {}), call('call_x1', 'b', {}), done()]));
    const ids = deltas(chunks).flatMap((d) =>
      ((d['tool_calls'] ?? []) as Array<{ id: string }>).map((c) => c.id),
    );
    expect(ids).toStrictEqual(['call_x1', 'call_gen1']);
  });
});

describe('finish_reason (client-apis.md C.2)', () => {
  const rows: Array<[string, Done['stopReason'], number, string]> = [
    ['end_turn, no calls', 'end_turn', 0, 'stop'],
    ['stop_sequence', 'stop_sequence', 0, 'stop'],
    ['max_tokens', 'max_tokens', 0, 'length'],
    ['max_tokens with calls stays length', 'max_tokens', 1, 'length'],
    ['tool_use with calls', 'tool_use', 2, 'tool_calls'],
    ['end_turn but calls were emitted', 'end_turn', 1, 'tool_calls'],
    ['tool_use without any call', 'tool_use', 0, 'stop'],
  ];
  it.each(rows)('%s → %s', (_name, stopReason, calls, expected) => {
    expect(finishReasonFor(done({ stopReason }), calls)).toBe(expected);
  });

  it('BerriAI/litellm#25825: done_reason length is reported as length, streamed and not', async () => {
    const events = [text('truncated'), done({ stopReason: 'max_tokens', upstreamReason: 'length' })];
    expect(parse(await frames(events)).at(-1)?.choices[0]?.finish_reason).toBe('length');
    const body = await aggregateChatCompletion(iterate(events), ctx());
    expect(body.choices[0]?.finish_reason).toBe('length');
  });

  it('open-webui PR#20933: a turn with tool calls finishes with tool_calls, not stop', async () => {
    const events = [call('', 'f', {}), done({ stopReason: 'end_turn', upstreamReason: 'stop' })];
    expect(parse(await frames(events)).at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
    const body = await aggregateChatCompletion(iterate(events), ctx());
    expect(body.choices[0]?.finish_reason).toBe('tool_calls');
  });
});

describe('aggregateChatCompletion (client-apis.md B.3)', () => {
  it('builds the whole message with usage', async () => {
    const body = await aggregateChatCompletion(
      iterate([think('plan'), text('Hi'), text(' there'), done()]),
      ctx(),
    );
    expect(body).toStrictEqual({
      id: 'chatcmpl-abc',
      object: 'chat.completion',
      created: 1764000000,
      model: 'qwen3:8b',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Hi there',
            reasoning_content: 'plan',
            reasoning: 'plan',
            refusal: null,
          },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
    });
  });

  const contentRows: Array<[string, ChatEvent[], string | null]> = [
    ['only tool calls → null', [call('', 'f', { a: 1 })], null],
    ['text and tool calls → the text', [text('Checking.'), call('', 'f', {})], 'Checking.'],
    ['nothing at all → ""', [], ''],
    ['only reasoning → ""', [think('hm')], ''],
  ];
  it.each(contentRows)('content: %s', async (_name, events, expected) => {
    const body = await aggregateChatCompletion(iterate([...events, done()]), ctx());
    expect(body.choices[0]?.message.content).toBe(expected);
  });

  it('tool calls carry ids, type function and JSON-string arguments', async () => {
    const body = await aggregateChatCompletion(iterate([call('', 'f', { a: [1, 'x'] }), done()]), ctx());
    expect(body.choices[0]?.message.tool_calls).toStrictEqual([
      { id: 'call_gen1', type: 'function', function: { name: 'f', arguments: '{"a":[1,"x"]}' } },
    ]);
  });

  it('rethrows a failing source and refuses a source without done', async () => {
    await expect(
      aggregateChatCompletion(iterate([text('a')], new CorralError('timeout', 't')), ctx()),
    ).rejects.toMatchObject({
      kind: 'timeout',
    });
    await expect(aggregateChatCompletion(iterate([text('a')]), ctx())).rejects.toMatchObject({
      kind: 'upstream',
    });
  });
});
