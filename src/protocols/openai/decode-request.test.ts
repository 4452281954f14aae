import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../core/chat.js';
import { CorralError } from '../../core/errors.js';
import { decodeChatCompletionsRequest } from './decode-request.js';

const user = (content: unknown) => ({ role: 'user', content });
const body = (over: Record<string, unknown> = {}) => ({ model: 'qwen3:8b', messages: [user('Hi')], ...over });
const decode = (over: Record<string, unknown> = {}): ChatRequest =>
  decodeChatCompletionsRequest(body(over)).request;

function failure(input: unknown): CorralError {
  try {
    decodeChatCompletionsRequest(input);
  } catch (error) {
    if (error instanceof CorralError) return error;
    throw error;
  }
  throw new Error('expected a CorralError');
}

describe('decodeChatCompletionsRequest: top level (client-apis.md B.2, C.1)', () => {
  it('decodes a minimal body with nothing invented', () => {
    expect(decodeChatCompletionsRequest(body())).toStrictEqual({
      request: {
        kind: 'chat',
        model: 'qwen3:8b',
        system: [],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
        tools: [],
        sampling: {},
        stream: false,
      },
      includeUsage: false,
    });
  });

  const sampling: Array<[string, Record<string, unknown>, ChatRequest['sampling']]> = [
    [
      'temperature and top_p only when sent',
      { temperature: 0.2, top_p: 0.5 },
      { temperature: 0.2, topP: 0.5 },
    ],
    ['max_tokens', { max_tokens: 20 }, { maxOutputTokens: 20 }],
    [
      'max_completion_tokens wins over max_tokens',
      { max_tokens: 20, max_completion_tokens: 30 },
      { maxOutputTokens: 30 },
    ],
    ['stop string', { stop: 'END' }, { stop: ['END'] }],
    ['stop array, empty strings dropped', { stop: ['a', '', 'b'] }, { stop: ['a', 'b'] }],
    ['seed and top_k', { seed: 42, top_k: 10 }, { seed: 42, topK: 10 }],
    ['num_ctx extension', { num_ctx: 8192 }, { numCtx: 8192 }],
    ['nulls are absent', { temperature: null, top_p: null, stop: null, max_tokens: null }, {}],
  ];
  it.each(sampling)('sampling: %s', (_name, over, expected) => {
    expect(decode(over).sampling).toStrictEqual(expected);
  });

  it('penalties and other Ollama options go to ollamaOptions; logprobs to ollamaFields', () => {
    const req = decode({
      frequency_penalty: 0.5,
      presence_penalty: 0.1,
      repetition_penalty: 1.1,
      min_p: 0.05,
      logprobs: true,
      top_logprobs: 3,
    });
    expect(req.ollamaOptions).toStrictEqual({
      frequency_penalty: 0.5,
      presence_penalty: 0.1,
      repeat_penalty: 1.1,
      min_p: 0.05,
    });
    expect(req.ollamaFields).toStrictEqual({ logprobs: true, top_logprobs: 3 });
  });

  it('keep_alive passes through', () => {
    expect(decode({ keep_alive: '10m' }).keepAlive).toBe('10m');
  });

  const efforts: Array<[unknown, ChatRequest['think']]> = [
    ['none', false],
    ['minimal', 'low'],
    ['low', 'low'],
    ['medium', 'medium'],
    ['high', 'high'],
    ['xhigh', 'high'],
    ['max', 'max'],
    [undefined, undefined],
  ];
  it.each(efforts)('reasoning_effort %s → think %s (C.7)', (effort, think) => {
    expect(decode({ reasoning_effort: effort }).think).toBe(think);
  });

  it('reads Responses-style reasoning.effort too', () => {
    expect(decode({ reasoning: { effort: 'none' } }).think).toBe(false);
  });

  const formats: Array<[unknown, ChatRequest['format']]> = [
    [{ type: 'text' }, undefined],
    [{ type: 'json_object' }, 'json'],
    [
      { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' }, strict: true } },
      { type: 'object' },
    ],
    [{ type: 'json_schema', json_schema: { name: 'x' } }, 'json'],
  ];
  it.each(formats)('response_format %j → format %j', (format, expected) => {
    expect(decode({ response_format: format }).format).toStrictEqual(expected);
  });

  it('tools become canonical definitions; a missing schema is an empty object schema', () => {
    const tools = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
      { type: 'function', function: { name: 'now' } },
    ];
    expect(decode({ tools }).tools).toStrictEqual([
      {
        name: 'get_weather',
        description: 'Weather',
        inputSchema: { type: 'object', properties: { city: { type: 'string' } } },
      },
      { name: 'now', inputSchema: { type: 'object', properties: {} } },
    ]);
  });

  const choices: Array<[unknown, ChatRequest['toolChoice']]> = [
    ['none', { type: 'none' }],
    ['auto', { type: 'auto' }],
    ['required', { type: 'any' }],
    [
      { type: 'function', function: { name: 'f' } },
      { type: 'tool', name: 'f' },
    ],
    [{ type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [] } }, { type: 'auto' }],
    [undefined, undefined],
  ];
  it.each(choices)('tool_choice %j → %j', (choice, expected) => {
    expect(decode({ tool_choice: choice }).toolChoice).toStrictEqual(expected);
  });

  it('include_usage is reported only for streamed requests', () => {
    const opts = { stream_options: { include_usage: true } };
    expect(decodeChatCompletionsRequest(body({ ...opts, stream: true })).includeUsage).toBe(true);
    expect(decodeChatCompletionsRequest(body({ ...opts, stream: false })).includeUsage).toBe(false);
    expect(decodeChatCompletionsRequest(body({ stream: true })).includeUsage).toBe(false);
    expect(decode({ stream: true }).stream).toBe(true);
  });

  it('accepts unknown and ignored fields', () => {
    expect(() =>
      decode({
        user: 'u1',
        metadata: { a: 1 },
        store: false,
        parallel_tool_calls: false,
        n: 1,
        logit_bias: {},
        future_field: [1],
      }),
    ).not.toThrow();
  });

  const errors: Array<[string, unknown, string | undefined, RegExp]> = [
    ['not an object', [1], undefined, /JSON object/],
    ['no model', { messages: [user('x')] }, 'model', /model is required/],
    ['no messages', { model: 'm' }, 'messages', /non-empty array/],
    ['empty messages', { model: 'm', messages: [] }, 'messages', /non-empty array/],
    ['n > 1', body({ n: 2 }), 'n', /n must be 1/],
    ['temperature as string', body({ temperature: 'hot' }), 'temperature', /must be a number/],
    ['max_tokens 0', body({ max_tokens: 0 }), 'max_tokens', /at least 1/],
    [
      'max_completion_tokens fraction',
      body({ max_completion_tokens: 1.5 }),
      'max_completion_tokens',
      /integer/,
    ],
    ['stop of numbers', body({ stop: [1] }), 'stop', /stop must be/],
    ['unknown effort', body({ reasoning_effort: 'turbo' }), 'reasoning_effort', /invalid reasoning_effort/],
    ['bad tool_choice', body({ tool_choice: 'always' }), 'tool_choice', /tool_choice must be/],
    [
      'custom tool',
      body({ tools: [{ type: 'custom', custom: { name: 'x' } }] }),
      'tools[0].type',
      /only function tools/,
    ],
    [
      'tool without name',
      body({ tools: [{ type: 'function', function: {} }] }),
      'tools[0].function.name',
      /required/,
    ],
    [
      'bad response_format',
      body({ response_format: { type: 'yaml' } }),
      'response_format.type',
      /response_format.type/,
    ],
    ['bad keep_alive', body({ keep_alive: true }), 'keep_alive', /keep_alive/],
  ];
  it.each(errors)('400 for %s', (_name, input, param, message) => {
    const err = failure(input);
    expect(err.kind).toBe('invalid_request');
    expect(err.param).toBe(param);
    expect(err.message).toMatch(message);
  });
});
