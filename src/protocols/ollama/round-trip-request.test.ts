/**
 * The gateway sits between Ollama clients and Ollama servers: a native request decoded and
 * re-encoded must come out as it went in (round-trip-stream.test.ts does the same for streams). Inputs set `stream` explicitly
 * because the encoder always does (client-apis.md C.1: Ollama defaults to true).
 */
import { describe, expect, it } from 'vitest';
import { decodeChatRequest, decodeEmbedRequest, decodeGenerateRequest } from './decode-request.js';
import { encodeChatRequest, encodeEmbedRequest, encodeGenerateRequest } from './encode-request.js';

const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const JPEG = '/9j/4AAQSkZJRgABAQ==';
const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: ['string', 'null'] } }, required: ['city'] },
  },
};

const chatCases: Array<[string, Record<string, unknown>]> = [
  ['plain text', { model: 'llama3.2', messages: [{ role: 'user', content: 'Hello' }], stream: true }],
  [
    'system messages in place',
    {
      model: 'm',
      messages: [
        { role: 'system', content: 'rules' },
        { role: 'user', content: 'hi' },
        { role: 'system', content: 'env block after the user turn' },
      ],
      stream: false,
    },
  ],
  [
    'images',
    {
      model: 'llava',
      messages: [{ role: 'user', content: 'what is this?', images: [PNG, JPEG] }],
      stream: true,
    },
  ],
  [
    'tool calls with id and index, results with name and id',
    {
      model: 'qwen3',
      messages: [
        { role: 'user', content: 'weather in Tokyo and Paris?' },
        {
          role: 'assistant',
          content: '',
          thinking: 'two calls',
          tool_calls: [
            { id: 'call_a1', function: { index: 0, name: 'get_weather', arguments: { city: 'Tokyo' } } },
            {
              id: 'call_b2',
              function: { index: 1, name: 'get_weather', arguments: { city: 'Paris', unit: { c: true } } },
            },
          ],
        },
        { role: 'tool', content: '18C', tool_name: 'get_weather', tool_call_id: 'call_a1' },
        { role: 'tool', content: '12C', tool_name: 'get_weather', tool_call_id: 'call_b2' },
      ],
      tools: [weatherTool],
      stream: true,
    },
  ],
  [
    'LangChain tool messages without ids or names',
    {
      model: 'm',
      messages: [
        {
          role: 'assistant',
          content: '',
          tool_calls: [{ function: { index: 0, name: 'add', arguments: { a: 1, b: 2 } } }],
        },
        { role: 'tool', content: '3' },
      ],
      stream: true,
    },
  ],
  [
    'tool message with images',
    {
      model: 'm',
      messages: [{ role: 'tool', content: 'shot', images: [PNG], tool_name: 'screenshot' }],
      stream: true,
    },
  ],
  [
    'thinking history, think level, options incl. unknown, json format, keep_alive',
    {
      model: 'gpt-oss',
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a', thinking: 'because' },
      ],
      think: 'high',
      options: {
        temperature: 0.2,
        top_p: 0.8,
        top_k: 20,
        seed: 42,
        stop: ['\n\n'],
        num_predict: 256,
        num_ctx: 16384,
        min_p: 0.05,
        num_gpu: 99,
      },
      format: 'json',
      keep_alive: '1h30m',
      stream: false,
    },
  ],
  [
    'schema format, think false, numeric keep_alive, sentinel options, extra fields',
    {
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      format: { type: 'object', properties: { a: { type: 'integer' } } },
      think: false,
      keep_alive: -1,
      options: { num_predict: -1, seed: -1 },
      truncate: false,
      shift: false,
      logprobs: true,
      top_logprobs: 5,
      _debug_render_only: true,
      stream: true,
    },
  ],
  ['think true', { model: 'm', messages: [], think: true, stream: true }],
];

describe('chat request round trip (decode → encode)', () => {
  it.each(chatCases)('%s', (_name, body) => {
    expect(encodeChatRequest(decodeChatRequest(body))).toStrictEqual(body);
  });
});

const generateCases: Array<[string, Record<string, unknown>]> = [
  ['prompt only', { model: 'm', prompt: 'Why is the sky blue?', stream: true }],
  [
    'system, template, context',
    {
      model: 'm',
      prompt: 'go on',
      system: 'pirate',
      template: '{{ .System }} {{ .Prompt }}',
      context: [1, 2, 3],
      stream: false,
    },
  ],
  [
    'suffix (fill in the middle)',
    { model: 'codellama:code', prompt: 'def add(', suffix: '    return c', stream: true },
  ],
  [
    'raw with images and options',
    {
      model: 'llava',
      prompt: '[INST] hi [/INST]',
      raw: true,
      images: [PNG],
      options: { num_predict: 10, mirostat: 2 },
      stream: true,
    },
  ],
  [
    'format, think, keep_alive, extras',
    {
      model: 'm',
      prompt: 'p',
      format: 'json',
      think: 'low',
      keep_alive: '5m',
      truncate: true,
      stream: false,
    },
  ],
];

describe('generate request round trip', () => {
  it.each(generateCases)('%s', (_name, body) => {
    expect(encodeGenerateRequest(decodeGenerateRequest(body))).toStrictEqual(body);
  });
});

describe('embed request round trip', () => {
  it.each<[string, Record<string, unknown>]>([
    ['array input', { model: 'all-minilm', input: ['a', 'b'] }],
    [
      'all fields',
      {
        model: 'e',
        input: ['x'],
        truncate: false,
        dimensions: 128,
        options: { num_ctx: 512 },
        keep_alive: '10m',
      },
    ],
  ])('%s', (_name, body) => {
    expect(encodeEmbedRequest(decodeEmbedRequest(body))).toStrictEqual(body);
  });

  it('sends a single string input as a one-element array (same meaning to Ollama)', () => {
    expect(encodeEmbedRequest(decodeEmbedRequest({ model: 'e', input: 'x' }))).toStrictEqual({
      model: 'e',
      input: ['x'],
    });
  });
});
