/**
 * One test per Anthropic-relevant translation bug of client-apis.md §D, named after it. Stream
 * tests run our frames through the official SDK's own SSE parser and `MessageStream` accumulator
 * (no HTTP), so "the SDK accepts it" is checked by the SDK itself.
 */
import { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream';
import { Stream } from '@anthropic-ai/sdk/streaming';
import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../core/chat.js';
import { decodeCountTokensRequest, decodeMessagesRequest } from './decode-request.js';
import { encodeMessagesStream } from './encode-stream.js';
import { estimateInputTokens } from './estimate-tokens.js';
import { TOOL_USE_ID_PATTERN } from './identifiers.js';
import { grammarViolation, parseSseText } from './stream-grammar.js';

type Done = Extract<ChatEvent, { type: 'done' }>;
const done = (stopReason: Done['stopReason'] = 'end_turn'): Done => ({
  type: 'done',
  stopReason,
  usage: { inputTokens: 20, outputTokens: 9 },
});
const text = (t: string): ChatEvent => ({ type: 'text_delta', text: t });
const think = (t: string): ChatEvent => ({ type: 'thinking_delta', thinking: t });
const call = (name: string, input: Record<string, unknown>, id = ''): ChatEvent => ({
  type: 'tool_call',
  call: { id, name, input },
});

async function* iterate(events: ChatEvent[]): AsyncGenerator<ChatEvent> {
  yield* events;
}

async function sse(events: ChatEvent[]): Promise<string> {
  let raw = '';
  const ctx = { id: 'msg_bugs', model: 'qwen3:8b', inputTokens: 5 };
  for await (const frame of encodeMessagesStream(iterate(events), ctx)) raw += frame;
  expect(grammarViolation(parseSseText(raw))).toBeUndefined();
  return raw;
}

/** What `client.messages.stream(…).finalMessage()` would return for these frames. */
async function sdkFinalMessage(raw: string) {
  const stream = Stream.fromSSEResponse(new Response(raw), new AbortController());
  return MessageStream.fromReadableStream(stream.toReadableStream()).finalMessage();
}

describe('client-apis.md §D, Anthropic side', () => {
  it('BerriAI/litellm#25605: a streamed tool call reaches finalMessage() with its full input', async () => {
    const input = { city: 'Oslo', units: 'metric', days: [1, 2, 3] };
    const message = await sdkFinalMessage(await sse([call('get_weather', input), done('tool_use')]));
    expect(message.content).toEqual([
      expect.objectContaining({ type: 'tool_use', name: 'get_weather', input }),
    ]);
  });

  it('BerriAI/litellm#25321: a ~5 KB argument with quotes, pipes and unicode round-trips byte-exact', async () => {
    const body = 'a "quoted" | piped \\ line\nnaïve ✓ 日本語 🦙 \u2028 '.repeat(120);
    expect(body.length).toBeGreaterThan(5000);
    const message = await sdkFinalMessage(
      await sse([call('write_file', { path: 'x.md', body }), done('tool_use')]),
    );
    const block = message.content[0];
    expect(block?.type === 'tool_use' ? block.input : undefined).toEqual({ path: 'x.md', body });
  });

  it('BerriAI/litellm PR#13638: tool arguments travel as input_json_delta, never text_delta', async () => {
    const frames = parseSseText(
      await sse([text('Let me check.'), call('ls', { dir: '/' }), done('tool_use')]),
    );
    const toolIndex = 1;
    const deltas = frames.filter(
      (f) => f.event === 'content_block_delta' && (f.data as { index: number }).index === toolIndex,
    );
    expect(deltas.map((f) => (f.data as { delta: { type: string } }).delta.type)).toEqual([
      'input_json_delta',
    ]);
  });

  it('sgl-project/sglang#26795: text after a tool call opens a new text block at a new index', async () => {
    const raw = await sse([think('plan'), call('ls', {}), text('Done.'), done()]);
    const message = await sdkFinalMessage(raw);
    expect(message.content.map((b) => b.type)).toEqual(['thinking', 'tool_use', 'text']);
    expect(message.content[2]).toMatchObject({ type: 'text', text: 'Done.' });
  });

  it('ollama/ollama#17101: text → thinking → text → tool gives increasing indexes with start/stop pairs', async () => {
    const raw = await sse([text('---'), think('hmm'), text('Answer'), call('t', { a: 1 }), done('tool_use')]);
    const starts = parseSseText(raw)
      .filter((f) => f.event === 'content_block_start')
      .map((f) => (f.data as { index: number }).index);
    expect(starts).toEqual([0, 1, 2, 3]);
    const message = await sdkFinalMessage(raw);
    expect(message.content.map((b) => b.type)).toEqual(['text', 'thinking', 'text', 'tool_use']);
  });

  it('ollama/ollama#16372: role:"system" messages inside messages are accepted', () => {
    const req = decodeMessagesRequest({
      model: 'm',
      max_tokens: 10,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'system', content: [{ type: 'text', text: 'env: linux' }] },
      ],
    });
    expect(req.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      { role: 'system', content: [{ type: 'text', text: 'env: linux' }] },
    ]);
  });

  it('earendil-works/pi#6567: message_delta always carries usage.output_tokens', async () => {
    const frames = parseSseText(await sse([done()]));
    const delta = frames.find((f) => f.event === 'message_delta')?.data as {
      usage: { output_tokens: number };
    };
    expect(delta.usage.output_tokens).toBe(9);
    const message = await sdkFinalMessage(await sse([text('x'), done()]));
    expect(message.usage).toMatchObject({ input_tokens: 20, output_tokens: 9 });
  });

  it('BerriAI/litellm#25825: truncated output (max_tokens:20) reports max_tokens, not end_turn', async () => {
    const message = await sdkFinalMessage(
      await sse([text('a long answer that was cut'), done('max_tokens')]),
    );
    expect(message.stop_reason).toBe('max_tokens');
  });

  it('open-webui/open-webui PR#20933: a turn with tool calls stops with tool_use even if upstream said stop', async () => {
    const message = await sdkFinalMessage(await sse([call('run', {}), done('end_turn')]));
    expect(message.stop_reason).toBe('tool_use');
  });

  it('router-for-me/CLIProxyAPI#1872: a tool named fs.readFile with a dotted upstream id gets a valid id', async () => {
    const raw = await sse([
      call('fs.readFile', { p: 1 }, 'fs.readFile.0'),
      call('fs.readFile', { p: 2 }, ''),
      call('fs.readFile', { p: 3 }, 'fs.readFile.0'),
      done('tool_use'),
    ]);
    const ids = (await sdkFinalMessage(raw)).content.map((b) => (b.type === 'tool_use' ? b.id : ''));
    for (const id of ids) expect(id).toMatch(TOOL_USE_ID_PATTERN);
    expect(new Set(ids).size).toBe(3);
  });

  it('decolua/9router#3362: a 3-turn tool conversation keeps every tool_use_id and gains every name', () => {
    const turn = (id: string, name: string) => [
      { role: 'assistant', content: [{ type: 'tool_use', id, name, input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: 'ok' }] },
    ];
    const req = decodeMessagesRequest({
      model: 'm',
      max_tokens: 10,
      messages: [
        { role: 'user', content: 'go' },
        ...turn('toolu_1', 'a'),
        ...turn('toolu_2', 'b'),
        ...turn('toolu_3', 'c'),
      ],
    });
    const results = req.messages.flatMap((m) => m.content).filter((b) => b.type === 'tool_result');
    expect(results.map((r) => [r.toolUseId, r.name])).toEqual([
      ['toolu_1', 'a'],
      ['toolu_2', 'b'],
      ['toolu_3', 'c'],
    ]);
  });

  it('musistudio/claude-code-router#1732: images arrive at top level and inside tool_result', () => {
    const png = 'iVBORw0KGgo=';
    const img = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } };
    const req = decodeMessagesRequest({
      model: 'm',
      max_tokens: 10,
      messages: [
        { role: 'user', content: [img, { type: 'text', text: 'what is this?' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_s', name: 'screenshot', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_s', content: [img] }] },
      ],
    });
    expect(req.messages[0]?.content[0]).toEqual({ type: 'image', mediaType: 'image/png', data: png });
    const result = req.messages[2]?.content[0];
    expect(result?.type === 'tool_result' ? result.content : []).toEqual([
      { type: 'image', mediaType: 'image/png', data: png },
    ]);
  });

  it('BerriAI/litellm#13252 and #37102: count_tokens never under-counts a long prompt', () => {
    const words = Array.from({ length: 5000 }, (_, i) => `word${i % 97}`).join(' ');
    const req = decodeCountTokensRequest({ model: 'm', messages: [{ role: 'user', content: words }] });
    // Real tokenisers give about 1.3–2 tokens for such a word; the estimate must not fall below 2 per word.
    expect(estimateInputTokens(req)).toBeGreaterThanOrEqual(10_000);
  });

  it('BerriAI/litellm PR#38790: cache_control with ttl is accepted and dropped everywhere', () => {
    const cc = { type: 'ephemeral', ttl: '1h' };
    const req = decodeMessagesRequest({
      model: 'm',
      max_tokens: 10,
      cache_control: cc,
      system: [{ type: 'text', text: 's', cache_control: cc }],
      tools: [{ name: 't', input_schema: { type: 'object' }, cache_control: cc }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'u', cache_control: cc }] },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'x', name: 't', input: {}, cache_control: cc }],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'x',
              cache_control: cc,
              content: [{ type: 'text', text: 'r', cache_control: cc }],
            },
          ],
        },
      ],
    });
    expect(JSON.stringify(req)).not.toContain('cache_control');
    expect(JSON.stringify(req)).not.toContain('ephemeral');
  });

  it('mnfst/llm-gateway#1658: thinking we emitted comes back unsigned, so a cloud fallback can strip it', async () => {
    const message = await sdkFinalMessage(await sse([think('plan'), text('ok'), done()]));
    const req = decodeMessagesRequest({
      model: 'm',
      max_tokens: 10,
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: message.content },
        { role: 'user', content: 'more' },
      ],
    });
    expect(req.messages[1]?.content[0]).toEqual({ type: 'thinking', thinking: 'plan' });
  });

  it('experientiallabs/experiential PR#804: no empty or whitespace-only text block is emitted', async () => {
    const message = await sdkFinalMessage(
      await sse([
        text('\n\n'),
        call('a', {}),
        text('  '),
        text('\n'),
        call('b', {}),
        text(' '),
        done('tool_use'),
      ]),
    );
    expect(message.content.map((b) => b.type)).toEqual(['tool_use', 'tool_use']);
    const kept = await sdkFinalMessage(await sse([text('\n'), text('Hi'), text('\n'), done()]));
    expect(kept.content).toEqual([expect.objectContaining({ type: 'text', text: '\nHi\n' })]);
  });
});
