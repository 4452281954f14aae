import { describe, expect, it } from 'vitest';
import type { NativeChatChunk, NativeToolCall } from '../contract.js';
import type { NativeItem } from './native-chunks.js';
import { encodeOpenAiStream, toChatCompletion } from './openai-response.js';

// §5.3 (non-streaming body) and §5.4 (current streaming format), fed by a fake native source.

const T0 = '2026-03-01T12:00:00.987654321Z';
const T0_UNIX = Math.floor(Date.parse('2026-03-01T12:00:00Z') / 1000);

function chunk(
  message: Partial<NativeChatChunk['message']>,
  extra: Partial<NativeChatChunk> = {},
): NativeChatChunk {
  return {
    model: 'qwen3',
    created_at: T0,
    message: { role: 'assistant', content: '', ...message },
    done: false,
    ...extra,
  };
}

function done(message: Partial<NativeChatChunk['message']> = {}, reason = 'stop'): NativeChatChunk {
  return chunk(message, { done: true, done_reason: reason, prompt_eval_count: 30, eval_count: 17 });
}

const call = (id: string, index: number, name: string, args: Record<string, unknown>): NativeToolCall => ({
  id,
  function: { index, name, arguments: args },
});

async function* source(items: NativeItem[]): AsyncGenerator<NativeItem> {
  for (const item of items) yield item;
}

async function frames(items: NativeItem[], includeUsage = false): Promise<string[]> {
  const out: string[] = [];
  for await (const f of encodeOpenAiStream(source(items), {
    id: 'chatcmpl-417',
    includeUsage,
    nowMs: () => 0,
  }))
    out.push(f);
  return out;
}

/** Parses `data:` frames; [DONE] stays a string. */
function parse(all: string[]): unknown[] {
  return all.map((f) => {
    expect(f.startsWith('data: ') && f.endsWith('\n\n')).toBe(true);
    const body = f.slice(6, -2);
    return body === '[DONE]' ? body : (JSON.parse(body) as unknown);
  });
}

const envelope = {
  id: 'chatcmpl-417',
  object: 'chat.completion.chunk',
  created: T0_UNIX,
  model: 'qwen3',
  system_fingerprint: 'fp_ollama',
};
const choice = (delta: unknown, finish_reason: string | null = null) => ({
  ...envelope,
  choices: [{ index: 0, delta, finish_reason }],
});

describe('encodeOpenAiStream (§5.4)', () => {
  it('role only on the first chunk, no chunk for the metrics trailer, a {} finish chunk, then [DONE]', async () => {
    const out = parse(await frames([chunk({ content: 'Hel' }), chunk({ content: 'lo' }), done()]));
    expect(out).toEqual([
      choice({ role: 'assistant', content: 'Hel' }),
      choice({ content: 'lo' }),
      choice({}, 'stop'),
      '[DONE]',
    ]);
  });

  it('include_usage adds a choices:[] chunk with usage before [DONE]', async () => {
    const out = parse(await frames([chunk({ content: 'Hi' }), done()], true));
    expect(out[2]).toEqual({
      ...envelope,
      choices: [],
      usage: { prompt_tokens: 30, completion_tokens: 17, total_tokens: 47 },
    });
    expect(out[3]).toBe('[DONE]');
  });

  it('an empty completion still opens with a role chunk carrying content ""', async () => {
    expect(parse(await frames([done()]))).toEqual([
      choice({ role: 'assistant', content: '' }),
      choice({}, 'stop'),
      '[DONE]',
    ]);
  });

  it('thinking and content in one native chunk are split, reasoning first', async () => {
    const out = parse(await frames([chunk({ thinking: 'hmm', content: 'A' }), done()]));
    expect(out.slice(0, 2)).toEqual([
      choice({ role: 'assistant', reasoning: 'hmm' }),
      choice({ content: 'A' }),
    ]);
  });

  it('a reasoning-only chunk keeps content ""', async () => {
    const out = parse(await frames([chunk({ thinking: 'hmm' }), done()]));
    expect(out[0]).toEqual(choice({ role: 'assistant', content: '', reasoning: 'hmm' }));
  });

  it('tool calls: complete arguments strings, content "" beside them, finish_reason tool_calls', async () => {
    const out = parse(
      await frames([
        done({
          tool_calls: [call('call_a', 0, 'get_weather', { city: 'Paris' }), call('call_b', 1, 'f', {})],
        }),
      ]),
    );
    expect(out).toEqual([
      choice({
        role: 'assistant',
        content: '',
        tool_calls: [
          {
            id: 'call_a',
            index: 0,
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
          { id: 'call_b', index: 1, type: 'function', function: { name: 'f', arguments: '{}' } },
        ],
      }),
      choice({}, 'tool_calls'),
      '[DONE]',
    ]);
  });

  it.each([
    ['length', 'length'],
    ['', 'tool_calls'], // an empty reason counts as stop, which is relabelled
    ['load', 'load'],
  ])('after a tool call, done_reason %j → finish_reason %j', async (reason, expected) => {
    const out = parse(await frames([chunk({ tool_calls: [call('c', 0, 'f', {})] }), done({}, reason)]));
    expect(out.at(-2)).toMatchObject({ choices: [{ finish_reason: expected }] });
  });

  it("all chunks share the first chunk's created, including the finish chunk", async () => {
    const later = { ...done({ content: 'b' }), created_at: '2026-03-01T12:00:09Z' };
    const out = parse(await frames([chunk({ content: 'a' }), later])) as { created?: number }[];
    expect(new Set(out.filter((c) => typeof c === 'object').map((c) => c.created))).toEqual(
      new Set([T0_UNIX]),
    );
  });

  it('a mid-stream error line: one chunk with empty model and delta {content:""}, then no finish and no [DONE]', async () => {
    const out = parse(
      await frames([
        chunk({ content: 'Hel' }),
        { error: 'an error was encountered while running the model' },
        done(),
      ]),
    );
    expect(out).toEqual([
      choice({ role: 'assistant', content: 'Hel' }),
      { ...choice({ content: '' }), model: '' },
    ]);
  });

  it('a stream that ends without a done chunk has no finish chunk and no [DONE]', async () => {
    expect(parse(await frames([chunk({ content: 'x' })]))).toEqual([
      choice({ role: 'assistant', content: 'x' }),
    ]);
  });

  it('strings are escaped like Go (<, >, &)', async () => {
    const [first] = await frames([chunk({ content: '<b>&' }), done()]);
    expect(first).toContain('"content":"\\u003cb\\u003e\\u0026"');
  });
});

describe('toChatCompletion (§5.3)', () => {
  it('plain reply', () => {
    const body = toChatCompletion('chatcmpl-1', {
      ...done(),
      created_at: '2026-03-01T12:00:09Z',
      message: { role: 'assistant', content: 'Hello!' },
    });
    expect(body).toEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: T0_UNIX + 9,
      model: 'qwen3',
      system_fingerprint: 'fp_ollama',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 30, completion_tokens: 17, total_tokens: 47 },
    });
  });

  it('tool calls: content stays "", arguments a JSON string, stop → tool_calls; reasoning field', () => {
    const body = toChatCompletion(
      'chatcmpl-1',
      done({ thinking: 'why', tool_calls: [call('call_x', 0, 'f', { city: 'Paris' })] }),
    );
    expect(body.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: '',
        reasoning: 'why',
        tool_calls: [
          {
            id: 'call_x',
            index: 0,
            type: 'function',
            function: { name: 'f', arguments: '{"city":"Paris"}' },
          },
        ],
      },
      finish_reason: 'tool_calls',
    });
  });

  it('length stays length with tool calls; an empty done_reason is null', () => {
    expect(
      toChatCompletion('c', done({ tool_calls: [call('c', 0, 'f', {})] }, 'length')).choices[0]
        ?.finish_reason,
    ).toBe('length');
    expect(toChatCompletion('c', done({}, '')).choices[0]?.finish_reason).toBeNull();
  });
});
