/**
 * Canonical request -> Anthropic Messages body, for the cloud fallback. Every body built here is
 * also checked against the rules the real API enforces (client-apis.md §A.2–A.5, §D.12, §D.20,
 * §D.22), so a repair that breaks another rule fails the test that triggered it.
 */
import { describe, expect, it } from 'vitest';
import type {
  ChatMessage,
  ChatRequest,
  ContentBlock,
  GenerateRequest,
  ImageBlock,
  Sampling,
} from '../../core/chat.js';
import { encodeAnthropicRequest } from './encode-request.js';
import type { AnthropicRequestBlock, AnthropicRequestBody } from './encode-request.js';
import { TOOL_USE_ID_PATTERN, UNSIGNED_THINKING_SIGNATURE } from './identifiers.js';

const OPTIONS = { model: 'claude-sonnet-4-5', defaultMaxTokens: 4096 };

const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const JPEG = '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHSEaHx4d';

function chat(messages: ChatMessage[], over: Partial<ChatRequest> = {}): ChatRequest {
  return {
    kind: 'chat',
    model: 'qwen3:8b',
    system: [],
    messages,
    tools: [],
    sampling: {},
    stream: false,
    ...over,
  };
}

function generate(over: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    kind: 'generate',
    model: 'llama3.2',
    prompt: 'Why is the sky blue?',
    images: [],
    sampling: {},
    stream: false,
    ...over,
  };
}

const text = (t: string) => ({ type: 'text', text: t }) as const;
const user = (...content: Array<ContentBlock | string>): ChatMessage => ({
  role: 'user',
  content: content.map((c) => (typeof c === 'string' ? text(c) : c)),
});
const assistant = (...content: Array<ContentBlock | string>): ChatMessage => ({
  role: 'assistant',
  content: content.map((c) => (typeof c === 'string' ? text(c) : c)),
});
const system = (t: string): ChatMessage => ({ role: 'system', content: [text(t)] });
const toolUse = (id: string, name: string, input: Record<string, unknown> = {}): ContentBlock => ({
  type: 'tool_use',
  id,
  name,
  input,
});
const toolResult = (toolUseId: string, out: string, name?: string): ContentBlock => ({
  type: 'tool_result',
  toolUseId,
  ...(name === undefined ? {} : { name }),
  content: [text(out)],
});
/** An Ollama/OpenAI-style `role:"tool"` message: one result, as the decoders produce it. */
const toolMessage = (toolUseId: string, out: string, name?: string): ChatMessage => ({
  role: 'tool',
  content: [toolResult(toolUseId, out, name)],
});
const thinking = (t: string, signature?: string): ContentBlock => ({
  type: 'thinking',
  thinking: t,
  ...(signature === undefined ? {} : { signature }),
});

type Message = AnthropicRequestBody['messages'][number];
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const nonBlank = (s: string) => s.trim() !== '';

/**
 * The request rules of client-apis.md §A.2–A.5 that the real API checks (and that the encoder
 * promises to repair). Returns the first violation, or undefined.
 */
function violation(body: AnthropicRequestBody): string | undefined {
  if (body.stream !== true) return 'stream must be true';
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) return 'max_tokens must be a positive int';
  if (body.messages.length === 0) return 'messages must not be empty';
  for (const block of body.system ?? [])
    if (block.type !== 'text' || !nonBlank(block.text)) return 'system blocks must be non-empty text';
  const ids = new Set<string>();
  for (const [i, message] of body.messages.entries()) {
    const at = `messages[${i}]`;
    if (message.role !== 'user' && message.role !== 'assistant') return `${at}: bad role`;
    if (i > 0 && body.messages[i - 1]?.role === message.role) return `${at}: same role twice in a row`;
    if (message.content.length === 0) return `${at}: empty content`;
    let resultsDone = false;
    for (const block of message.content) {
      const bad = blockViolation(block, message.role);
      if (bad) return `${at}: ${bad}`;
      if (block.type === 'tool_result') {
        if (resultsDone) return `${at}: tool_result after other content`;
      } else resultsDone = true;
      if (block.type === 'tool_use') {
        if (ids.has(block.id)) return `${at}: duplicate tool_use id ${block.id}`;
        ids.add(block.id);
      }
    }
    // Every call is answered in the next user turn, and every result answers a call of the turn before.
    const calls = message.content.flatMap((b) => (b.type === 'tool_use' ? [b.id] : []));
    if (calls.length > 0) {
      const next = body.messages[i + 1];
      const answered = new Set(
        next?.content.flatMap((b) => (b.type === 'tool_result' ? [b.tool_use_id] : [])),
      );
      for (const id of calls) if (next && !answered.has(id)) return `${at}: tool_use ${id} not answered`;
    }
    const results = message.content.flatMap((b) => (b.type === 'tool_result' ? [b.tool_use_id] : []));
    if (results.length > 0) {
      const prev = body.messages[i - 1];
      const asked = new Set(prev?.content.flatMap((b) => (b.type === 'tool_use' ? [b.id] : [])));
      for (const id of results) if (!asked.has(id)) return `${at}: tool_result ${id} answers no call`;
    }
  }
  if (body.temperature !== undefined && (body.temperature < 0 || body.temperature > 1))
    return 'temperature outside 0..1';
  if (body.tool_choice && !body.tools) return 'tool_choice without tools';
  if (body.thinking) {
    const budget = body.thinking.budget_tokens;
    if (budget < 1024 || budget >= body.max_tokens) return 'thinking budget outside [1024, max_tokens)';
    if (body.temperature !== undefined || body.top_k !== undefined)
      return 'temperature/top_k set with thinking';
    if (body.tool_choice && (body.tool_choice.type === 'any' || body.tool_choice.type === 'tool'))
      return 'forced tool_choice with manual thinking';
    // Mid tool loop, the calling assistant turn must open with its (signed) thinking.
    const [caller, last] = body.messages.slice(-2);
    if (
      last?.role === 'user' &&
      last.content[0]?.type === 'tool_result' &&
      caller?.content[0]?.type !== 'thinking'
    )
      return 'thinking mid tool loop without a thinking block to replay';
  }
  return undefined;
}

function blockViolation(block: AnthropicRequestBlock, role: Message['role']): string | undefined {
  switch (block.type) {
    case 'text':
      return nonBlank(block.text) ? undefined : 'empty or whitespace text block';
    case 'image':
      if (role !== 'user') return 'image outside a user turn';
      if (block.source.type !== 'base64' || !IMAGE_TYPES.has(block.source.media_type))
        return `bad image source ${block.source.media_type}`;
      return /^data:/.test(block.source.data) ? 'data: prefix in base64' : undefined;
    case 'tool_use':
      if (role !== 'assistant') return 'tool_use outside an assistant turn';
      return TOOL_USE_ID_PATTERN.test(block.id) ? undefined : `bad tool_use id ${JSON.stringify(block.id)}`;
    case 'tool_result':
      if (role !== 'user') return 'tool_result outside a user turn';
      if (!TOOL_USE_ID_PATTERN.test(block.tool_use_id)) return `bad tool_use_id ${block.tool_use_id}`;
      for (const inner of block.content) {
        const bad = blockViolation(inner, 'user');
        if (bad) return `in tool_result: ${bad}`;
      }
      return undefined;
    case 'thinking':
      if (role !== 'assistant') return 'thinking outside an assistant turn';
      return block.signature !== '' && block.signature !== UNSIGNED_THINKING_SIGNATURE
        ? undefined
        : 'unsigned thinking block';
  }
}

/** Encodes and checks the body against the API's rules. */
function encode(req: ChatRequest | GenerateRequest, options = OPTIONS): AnthropicRequestBody {
  const body = encodeAnthropicRequest(req, options);
  expect(violation(body)).toBeUndefined();
  return body;
}

const callIds = (body: AnthropicRequestBody) =>
  body.messages.flatMap((m) => m.content.flatMap((b) => (b.type === 'tool_use' ? [b.id] : [])));
const resultIds = (body: AnthropicRequestBody) =>
  body.messages.flatMap((m) => m.content.flatMap((b) => (b.type === 'tool_result' ? [b.tool_use_id] : [])));

describe('encodeAnthropicRequest: the basics', () => {
  it('maps a plain chat to a streaming body for the configured model', () => {
    const body = encode(chat([user('Hi')], { sampling: { maxOutputTokens: 256 } }));
    expect(body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 256,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      stream: true,
    });
  });

  it('always streams, even when the client did not ask to', () => {
    expect(encode(chat([user('Hi')], { stream: false })).stream).toBe(true);
    expect(encode(chat([user('Hi')], { stream: true })).stream).toBe(true);
  });

  it('takes the model from the options, never the local name', () => {
    const body = encode(chat([user('Hi')], { model: 'llama3.2:latest' }), {
      ...OPTIONS,
      model: 'claude-haiku-4-5',
    });
    expect(body.model).toBe('claude-haiku-4-5');
  });

  it('uses defaultMaxTokens when the client set no output limit', () => {
    expect(encode(chat([user('Hi')])).max_tokens).toBe(4096);
    expect(encode(chat([user('Hi')]), { ...OPTIONS, defaultMaxTokens: 1000 }).max_tokens).toBe(1000);
    expect(encode(chat([user('Hi')], { sampling: { maxOutputTokens: 77 } })).max_tokens).toBe(77);
  });

  it('leaves out options with no Anthropic meaning (seed, num_ctx, format, Ollama options)', () => {
    const body = encode(
      chat([user('Hi')], {
        sampling: { seed: 42, numCtx: 8192 },
        format: 'json',
        keepAlive: '5m',
        ollamaOptions: { repeat_penalty: 1.1 },
        ollamaFields: { truncate: true },
      }),
    );
    expect(Object.keys(body).sort()).toEqual(['max_tokens', 'messages', 'model', 'stream']);
  });
});

describe('encodeAnthropicRequest: system prompts', () => {
  it('puts the top-level system prompt in `system` as text blocks', () => {
    const body = encode(chat([user('Hi')], { system: [text('Be brief.'), text('Answer in English.')] }));
    expect(body.system).toEqual([text('Be brief.'), text('Answer in English.')]);
    expect(body.messages).toEqual([{ role: 'user', content: [text('Hi')] }]);
  });

  it('folds role:"system" messages into `system`, after the top-level prompt, in order', () => {
    const body = encode(
      chat([system('Leading.'), user('Hi'), assistant('Hello!'), system('Later.'), user('Bye')], {
        system: [text('Top.')],
      }),
    );
    expect(body.system).toEqual([text('Top.'), text('Leading.'), text('Later.')]);
    expect(body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
  });

  it('merges the user turns that a system message between them separated', () => {
    const body = encode(chat([user('First.'), system('Be nice.'), user('Second.')]));
    expect(body.messages).toEqual([{ role: 'user', content: [text('First.'), text('Second.')] }]);
    expect(body.system).toEqual([text('Be nice.')]);
  });

  it('omits `system` when there is none', () => {
    expect(encode(chat([user('Hi')]))).not.toHaveProperty('system');
  });

  it('drops empty and whitespace-only system text (the API refuses empty text blocks)', () => {
    const body = encode(chat([system('  '), user('Hi')], { system: [text('')] }));
    expect(body).not.toHaveProperty('system');
  });
});

describe('encodeAnthropicRequest: turns and content', () => {
  it('merges consecutive turns of one role into one turn', () => {
    const body = encode(chat([user('a'), user('b'), assistant('c'), assistant('d'), user('e')]));
    expect(body.messages).toEqual([
      { role: 'user', content: [text('a'), text('b')] },
      { role: 'assistant', content: [text('c'), text('d')] },
      { role: 'user', content: [text('e')] },
    ]);
  });

  it('drops empty text blocks (§D.22) and turns left with no content', () => {
    const body = encode(chat([user('Hi', ''), assistant(''), user('', 'Again')]));
    expect(body.messages).toEqual([{ role: 'user', content: [text('Hi'), text('Again')] }]);
  });

  it('drops whitespace-only text blocks too (the API wants non-whitespace text)', () => {
    const body = encode(
      chat([user('Hi'), assistant('\n\n', toolUse('toolu_1', 'ls')), toolMessage('toolu_1', 'a.txt')]),
    );
    expect(body.messages[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'ls', input: {} }],
    });
  });

  it('keeps a final assistant turn as a prefill', () => {
    const body = encode(chat([user('Name a colour.'), assistant('The colour is')]));
    expect(body.messages.at(-1)).toEqual({ role: 'assistant', content: [text('The colour is')] });
  });

  it('sends images as base64 sources with their media type', () => {
    const png: ImageBlock = { type: 'image', mediaType: 'image/png', data: PNG };
    const jpeg: ImageBlock = { type: 'image', mediaType: 'image/jpeg', data: JPEG };
    const body = encode(chat([user('What is this?', png, jpeg)]));
    expect(body.messages[0]?.content).toEqual([
      text('What is this?'),
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: JPEG } },
    ]);
  });
});

describe('encodeAnthropicRequest: image types', () => {
  const GIF = 'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';
  const WEBP = 'UklGRiQAAABXRUJQVlA4IBgAAAAwAQCdASoBAAEAAwA0JaQAA3AA/vuUAAA=';
  const untyped = (data: string): ImageBlock => ({
    type: 'image',
    mediaType: 'application/octet-stream',
    data,
  });
  const mediaTypes = (body: AnthropicRequestBody) =>
    body.messages.flatMap((m) => m.content.flatMap((b) => (b.type === 'image' ? [b.source.media_type] : [])));

  it('types images the client sent without a media type by their first bytes', () => {
    const body = encode(chat([user('x', untyped(PNG), untyped(JPEG), untyped(GIF), untyped(WEBP))]));
    expect(mediaTypes(body)).toEqual(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
  });

  it('keeps a media type the client gave', () => {
    const body = encode(chat([user('x', { type: 'image', mediaType: 'image/webp', data: WEBP })]));
    expect(mediaTypes(body)).toEqual(['image/webp']);
  });

  it('types generate images by their bytes, not as PNG', () => {
    expect(mediaTypes(encode(generate({ images: [JPEG, GIF, PNG] })))).toEqual([
      'image/jpeg',
      'image/gif',
      'image/png',
    ]);
  });
});

describe('encodeAnthropicRequest: tool results', () => {
  it('turns role:"tool" messages into tool_result blocks of one user turn, results first', () => {
    const body = encode(
      chat([
        user('Weather in Oslo and Rome?'),
        assistant(
          toolUse('toolu_a', 'get_weather', { city: 'Oslo' }),
          toolUse('toolu_b', 'get_weather', { city: 'Rome' }),
        ),
        toolMessage('toolu_a', 'sunny', 'get_weather'),
        toolMessage('toolu_b', 'rainy', 'get_weather'),
        user('Thanks, and tomorrow?'),
      ]),
    );
    expect(body.messages).toHaveLength(3);
    expect(body.messages[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_a', content: [text('sunny')] },
        { type: 'tool_result', tool_use_id: 'toolu_b', content: [text('rainy')] },
        text('Thanks, and tomorrow?'),
      ],
    });
  });

  it('moves tool_result blocks before text inside a user turn, keeping their order', () => {
    const body = encode(
      chat([
        user('Run both.'),
        assistant(toolUse('t1', 'a'), toolUse('t2', 'b')),
        user('Here you go:', toolResult('t1', 'one'), 'and', toolResult('t2', 'two')),
      ]),
    );
    expect(body.messages[2]?.content.map((b) => b.type)).toEqual([
      'tool_result',
      'tool_result',
      'text',
      'text',
    ]);
    expect(resultIds(body)).toEqual(['t1', 't2']);
  });

  it('keeps tool results first when a later tool message is merged into a user turn with text', () => {
    const body = encode(
      chat([
        user('List files.'),
        assistant(toolUse('toolu_1', 'ls')),
        user('(take your time)'),
        toolMessage('toolu_1', 'a.txt'),
      ]),
    );
    expect(body.messages[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_1', content: [text('a.txt')] },
        text('(take your time)'),
      ],
    });
  });

  it('carries is_error, images inside results, and drops empty result text', () => {
    const body = encode(
      chat([
        user('Screenshot?'),
        assistant(toolUse('toolu_1', 'screenshot')),
        {
          role: 'tool',
          content: [
            {
              type: 'tool_result',
              toolUseId: 'toolu_1',
              isError: true,
              content: [text(''), text('partial'), { type: 'image', mediaType: 'image/png', data: PNG }],
            },
          ],
        },
      ]),
    );
    expect(body.messages[2]?.content).toEqual([
      {
        type: 'tool_result',
        tool_use_id: 'toolu_1',
        is_error: true,
        content: [
          text('partial'),
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
        ],
      },
    ]);
  });

  it('leaves is_error out when the result is not an error', () => {
    const body = encode(chat([user('x'), assistant(toolUse('t', 'f')), toolMessage('t', 'ok')]));
    expect(body.messages[2]?.content[0]).not.toHaveProperty('is_error');
  });
});

describe('encodeAnthropicRequest: tool_use ids (§A.3, §D.12)', () => {
  it('keeps ids the API accepts as they are', () => {
    const body = encode(
      chat([user('x'), assistant(toolUse('toolu_01A-b_c', 'f')), toolMessage('toolu_01A-b_c', 'ok')]),
    );
    expect(callIds(body)).toEqual(['toolu_01A-b_c']);
    expect(resultIds(body)).toEqual(['toolu_01A-b_c']);
  });

  it('makes an id reused turn after turn unique, each result answering its own turn’s call', () => {
    // OpenAI clients and Ollama number calls per turn: `call_0` comes back in every turn.
    const body = encode(
      chat([
        user('weather in Paris, then Rome'),
        assistant(toolUse('call_0', 'weather', { city: 'Paris' })),
        toolMessage('call_0', 'sunny'),
        assistant(toolUse('call_0', 'weather', { city: 'Rome' })),
        toolMessage('call_0', 'rain'),
      ]),
    );
    const calls = callIds(body);
    expect(new Set(calls).size).toBe(2);
    expect(calls[0]).toBe('call_0');
    for (const id of calls) expect(id).toMatch(TOOL_USE_ID_PATTERN);
    expect(resultIds(body)).toEqual(calls);
    expect(violation(body)).toBeUndefined();
  });

  it('rewrites an invalid id the same way in the call and its result (CLIProxyAPI#1872)', () => {
    const bad = 'fs.readFile:0';
    const body = encode(
      chat([
        user('Read it.'),
        assistant(toolUse(bad, 'fs.readFile', { path: 'a' })),
        toolMessage(bad, 'contents', 'fs.readFile'),
      ]),
    );
    const [id] = callIds(body);
    expect(id).toMatch(TOOL_USE_ID_PATTERN);
    expect(id).not.toBe(bad);
    expect(resultIds(body)).toEqual([id]);
  });

  it('gives two different invalid ids two different rewrites, each used consistently', () => {
    const body = encode(
      chat([
        user('x'),
        assistant(toolUse('call.1', 'a'), toolUse('call.2', 'b')),
        toolMessage('call.2', 'two'),
        toolMessage('call.1', 'one'),
        assistant('done'),
        user('again'),
        assistant(toolUse('call 1', 'a')),
        toolMessage('call 1', 'one again'),
      ]),
    );
    const calls = callIds(body);
    expect(new Set(calls).size).toBe(3);
    for (const id of calls) expect(id).toMatch(TOOL_USE_ID_PATTERN);
    expect(resultIds(body)).toEqual([calls[1], calls[0], calls[2]]);
  });

  it('mints ids for calls without one and pairs id-less results with them by order', () => {
    // LangChain's ChatOllama: calls and results without ids, matched by position.
    const body = encode(
      chat([
        user('x'),
        assistant(toolUse('', 'search', { q: 'a' }), toolUse('', 'search', { q: 'b' })),
        toolMessage('', 'A', 'search'),
        toolMessage('', 'B', 'search'),
      ]),
    );
    const calls = callIds(body);
    expect(calls).toHaveLength(2);
    expect(calls[0]).not.toBe(calls[1]);
    for (const id of calls) expect(id).toMatch(TOOL_USE_ID_PATTERN);
    expect(resultIds(body)).toEqual(calls);
    const results = body.messages[2]?.content.map((b) => (b.type === 'tool_result' ? b.content : undefined));
    expect(results).toEqual([[text('A')], [text('B')]]);
  });

  it('pairs an id-less result with the oldest unanswered call of the same name', () => {
    const body = encode(
      chat([
        user('x'),
        assistant(toolUse('', 'search'), toolUse('', 'fetch'), toolUse('', 'search')),
        toolMessage('', 'fetched', 'fetch'),
        toolMessage('', 'searched 1', 'search'),
        toolMessage('', 'searched 2', 'search'),
      ]),
    );
    const [search1, fetch, search2] = callIds(body);
    expect(resultIds(body)).toEqual([fetch, search1, search2]);
  });

  it('pairs an id-less, name-less result with the oldest unanswered call of any name', () => {
    const body = encode(
      chat([
        user('x'),
        assistant(toolUse('', 'a'), toolUse('', 'b')),
        toolMessage('', 'r1'),
        toolMessage('', 'r2'),
      ]),
    );
    expect(resultIds(body)).toEqual(callIds(body));
  });

  it('skips calls already answered by id when pairing an id-less result', () => {
    const body = encode(
      chat([
        user('x'),
        assistant(toolUse('first', 'f'), toolUse('', 'f')),
        toolMessage('first', 'by id', 'f'),
        toolMessage('', 'by order', 'f'),
      ]),
    );
    const [, minted] = callIds(body);
    expect(resultIds(body)).toEqual(['first', minted]);
  });

  it('pairs across several tool rounds of a conversation', () => {
    const body = encode(
      chat([
        user('x'),
        assistant(toolUse('', 'f')),
        toolMessage('', 'r1', 'f'),
        assistant(toolUse('', 'f')),
        toolMessage('', 'r2', 'f'),
        assistant('done'),
      ]),
    );
    const calls = callIds(body);
    expect(new Set(calls).size).toBe(2);
    expect(resultIds(body)).toEqual(calls);
  });
});

describe('encodeAnthropicRequest: thinking blocks (§D.20)', () => {
  it('keeps a thinking block with a real signature, unmodified', () => {
    const body = encode(
      chat([user('x'), assistant(thinking('Let me see.', 'EqQBCkYIBxgCKkDk'), 'Answer.'), user('y')]),
    );
    expect(body.messages[1]?.content).toEqual([
      { type: 'thinking', thinking: 'Let me see.', signature: 'EqQBCkYIBxgCKkDk' },
      text('Answer.'),
    ]);
  });

  it('drops unsigned thinking blocks, and those with an empty signature', () => {
    const body = encode(chat([user('x'), assistant(thinking('a'), thinking('b', ''), 'Answer.'), user('y')]));
    expect(body.messages[1]?.content).toEqual([text('Answer.')]);
  });

  it("drops thinking signed with our placeholder (a local model's thinking, replayed by the client)", () => {
    const body = encode(
      chat([user('x'), assistant(thinking('local', UNSIGNED_THINKING_SIGNATURE), 'Answer.'), user('y')]),
    );
    expect(body.messages[1]?.content).toEqual([text('Answer.')]);
  });

  it('drops an assistant turn that held nothing but unsigned thinking, merging the user turns around it', () => {
    const body = encode(chat([user('x'), assistant(thinking('hmm')), user('y')]));
    expect(body.messages).toEqual([{ role: 'user', content: [text('x'), text('y')] }]);
  });
});

describe('encodeAnthropicRequest: tools and tool_choice', () => {
  const weather = {
    name: 'get_weather',
    description: 'Look it up',
    inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  };

  it('maps tools to name/description/input_schema', () => {
    const body = encode(
      chat([user('x')], { tools: [weather, { name: 'now', inputSchema: { type: 'object' } }] }),
    );
    expect(body.tools).toEqual([
      { name: 'get_weather', description: 'Look it up', input_schema: weather.inputSchema },
      { name: 'now', input_schema: { type: 'object' } },
    ]);
    expect(body).not.toHaveProperty('tool_choice');
  });

  for (const choice of [
    { type: 'auto' },
    { type: 'any' },
    { type: 'none' },
    { type: 'tool', name: 'get_weather' },
  ] as const) {
    it(`passes tool_choice ${choice.type} through`, () => {
      expect(encode(chat([user('x')], { tools: [weather], toolChoice: choice })).tool_choice).toEqual(choice);
    });
  }

  it('sends neither tools nor tool_choice when there are no tools', () => {
    const body = encode(chat([user('x')], { toolChoice: { type: 'any' } }));
    expect(body).not.toHaveProperty('tools');
    expect(body).not.toHaveProperty('tool_choice');
  });
});

describe('encodeAnthropicRequest: sampling', () => {
  const sampled = (sampling: Sampling, over: Partial<ChatRequest> = {}) =>
    encode(chat([user('x')], { sampling, ...over }));

  it('maps temperature, top_p, top_k and stop', () => {
    const body = sampled({ temperature: 0.3, topP: 0.9, topK: 40, stop: ['END', '###'] });
    expect(body).toMatchObject({ temperature: 0.3, top_p: 0.9, top_k: 40, stop_sequences: ['END', '###'] });
  });

  it('caps temperature at 1 (OpenAI and Ollama clients send up to 2)', () => {
    expect(sampled({ temperature: 1.7 }).temperature).toBe(1);
    expect(sampled({ temperature: 1 }).temperature).toBe(1);
    expect(sampled({ temperature: 0 }).temperature).toBe(0);
  });

  it('leaves unset sampling and an empty stop list out', () => {
    const body = sampled({ stop: [] });
    for (const key of ['temperature', 'top_p', 'top_k', 'stop_sequences'])
      expect(body).not.toHaveProperty(key);
  });
});

describe('encodeAnthropicRequest: thinking budget (§A.5)', () => {
  const thought = (think: ChatRequest['think'], maxOutputTokens?: number, over: Partial<ChatRequest> = {}) =>
    encode(
      chat([user('x')], {
        ...(think === undefined ? {} : { think }),
        sampling: maxOutputTokens === undefined ? {} : { maxOutputTokens },
        ...over,
      }),
    );

  it('sends no thinking when it is off or unset', () => {
    expect(thought(undefined, 8000)).not.toHaveProperty('thinking');
    expect(thought(false, 8000)).not.toHaveProperty('thinking');
  });

  const levels: Array<[ChatRequest['think'], number]> = [
    [true, 4096],
    ['low', 1024],
    ['medium', 4096],
    ['high', 16_384],
    ['max', 32_768],
  ];
  for (const [think, budget] of levels) {
    it(`think ${String(think)} → budget ${budget} with room to spare`, () => {
      expect(thought(think, 64_000).thinking).toEqual({ type: 'enabled', budget_tokens: budget });
    });
  }

  it('keeps the budget below max_tokens', () => {
    expect(thought('high', 2000).thinking).toEqual({ type: 'enabled', budget_tokens: 1999 });
    expect(thought('max', 1025).thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
  });

  it('omits thinking when max_tokens leaves no room for the 1024-token minimum', () => {
    expect(thought('high', 1024)).not.toHaveProperty('thinking');
    expect(thought(true, 500)).not.toHaveProperty('thinking');
  });

  it('uses defaultMaxTokens to size the budget when the client set no limit', () => {
    expect(thought('max', undefined).thinking).toEqual({ type: 'enabled', budget_tokens: 4095 });
  });

  it('omits temperature and top_k when thinking, keeps top_p', () => {
    const body = thought('low', 8000, {
      sampling: { maxOutputTokens: 8000, temperature: 0.5, topK: 20, topP: 0.97 },
    });
    expect(body.thinking).toBeDefined();
    expect(body).not.toHaveProperty('temperature');
    expect(body).not.toHaveProperty('top_k');
    expect(body.top_p).toBe(0.97);
  });

  it('keeps temperature and top_k when thinking was wanted but did not fit', () => {
    const body = thought('high', 512, { sampling: { maxOutputTokens: 512, temperature: 0.5, topK: 20 } });
    expect(body).not.toHaveProperty('thinking');
    expect(body).toMatchObject({ temperature: 0.5, top_k: 20 });
  });

  it('omits thinking when tool_choice forces a tool (the API refuses both with manual thinking)', () => {
    const tools = [{ name: 'f', inputSchema: { type: 'object' } }];
    for (const toolChoice of [{ type: 'any' }, { type: 'tool', name: 'f' }] as const) {
      const body = thought(true, 8000, { tools, toolChoice });
      expect(body).not.toHaveProperty('thinking');
      expect(body.tool_choice).toEqual(toolChoice);
    }
    expect(thought(true, 8000, { tools, toolChoice: { type: 'auto' } }).thinking).toBeDefined();
  });

  it('omits thinking mid tool loop when the calling turn has no signed thinking to replay', () => {
    // The calls came from a local model: its thinking is unsigned and dropped, and the API wants
    // the assistant turn of an unfinished tool loop to start with a thinking block.
    const body = encode(
      chat(
        [
          user('x'),
          assistant(thinking('local', UNSIGNED_THINKING_SIGNATURE), toolUse('t1', 'f')),
          toolMessage('t1', 'ok'),
        ],
        { think: true, sampling: { maxOutputTokens: 8000 } },
      ),
    );
    expect(body).not.toHaveProperty('thinking');
  });

  it('keeps thinking mid tool loop when the calling turn starts with signed thinking', () => {
    const body = encode(
      chat([user('x'), assistant(thinking('cloud', 'sig'), toolUse('t1', 'f')), toolMessage('t1', 'ok')], {
        think: true,
        sampling: { maxOutputTokens: 8000 },
      }),
    );
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 4096 });
  });

  it('keeps thinking on a new user turn after unsigned history', () => {
    const body = encode(
      chat([user('x'), assistant(thinking('local', UNSIGNED_THINKING_SIGNATURE), 'Answer.'), user('y')], {
        think: true,
        sampling: { maxOutputTokens: 8000 },
      }),
    );
    expect(body.thinking).toBeDefined();
  });
});

describe('encodeAnthropicRequest: generate requests', () => {
  it('sends the prompt as one user turn', () => {
    const body = encode(generate({ sampling: { maxOutputTokens: 100, temperature: 0.2, stop: ['\n'] } }));
    expect(body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: [text('Why is the sky blue?')] }],
      temperature: 0.2,
      stop_sequences: ['\n'],
      stream: true,
    });
  });

  it('puts the system field in `system` and the images after the prompt, typed by their bytes', () => {
    const body = encode(generate({ system: 'You are a poet.', images: [PNG, JPEG] }));
    expect(body.system).toEqual([text('You are a poet.')]);
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          text('Why is the sky blue?'),
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
          { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: JPEG } },
        ],
      },
    ]);
  });

  it('maps think on a generate request too', () => {
    const body = encode(generate({ think: 'low', sampling: { maxOutputTokens: 4000 } }));
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
  });

  it('leaves out the Ollama-only generate fields', () => {
    const body = encode(generate({ suffix: '}', template: '{{ .Prompt }}', raw: true, context: [1, 2, 3] }));
    expect(Object.keys(body).sort()).toEqual(['max_tokens', 'messages', 'model', 'stream']);
  });
});

describe('encodeAnthropicRequest: a whole agent conversation', () => {
  it('turns a messy multi-round Ollama-style history into a body the API accepts', () => {
    const body = encode(
      chat(
        [
          system('You are a coding agent.'),
          user('Fix the bug in src/a.ts.'),
          assistant(
            thinking('Look at the file first.', UNSIGNED_THINKING_SIGNATURE),
            '',
            toolUse('', 'fs.read', { path: 'src/a.ts' }),
          ),
          toolMessage('', 'export const a = 1', 'fs.read'),
          system('Reminder: be careful.'),
          assistant(
            'Found it.',
            toolUse('call.x', 'fs.write', { path: 'src/a.ts', body: 'export const a = 2' }),
          ),
          toolMessage('call.x', 'written', 'fs.write'),
          assistant('Done.'),
          user('Thanks!'),
        ],
        { system: [text('Top.')], think: 'high', sampling: { maxOutputTokens: 32_000, temperature: 1.5 } },
      ),
    );
    expect(body.system).toEqual([
      text('Top.'),
      text('You are a coding agent.'),
      text('Reminder: be careful.'),
    ]);
    expect(body.messages.map((m) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
    ]);
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 16_384 });
    expect(body).not.toHaveProperty('temperature');
  });
});
