import { describe, expect, it } from 'vitest';
import { CorralError } from '../../core/errors.js';
import { decodeChatRequest } from './decode-request.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUg==';

function failure(fn: () => unknown): CorralError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CorralError) return err;
    throw err;
  }
  throw new Error('expected a CorralError');
}

describe('decodeChatRequest', () => {
  it('maps a full native request to canonical', () => {
    const req = decodeChatRequest({
      model: 'qwen3',
      messages: [
        { role: 'System', content: 'be brief' },
        { role: 'user', content: 'look', images: [PNG] },
        {
          role: 'assistant',
          content: 'calling',
          thinking: 'hmm',
          tool_calls: [
            { id: 'b', function: { index: 1, name: 'two', arguments: { y: 2 } } },
            { function: { index: 0, name: 'one', arguments: { x: 1 } } },
          ],
        },
        { role: 'tool', content: 'ok', tool_name: 'one' },
        { role: 'system', content: 'late system text' },
      ],
      options: {
        temperature: 0.5,
        top_p: 0.9,
        top_k: 40.7,
        seed: 7,
        stop: ['END'],
        num_predict: 100,
        num_ctx: 8192,
        repeat_penalty: 1.1,
      },
      keep_alive: '10m',
      think: 'high',
      format: 'json',
      stream: false,
      truncate: false,
      tools: [
        { type: 'function', function: { name: 'one', description: 'd', parameters: { type: 'object' } } },
      ],
    });
    expect(req).toEqual({
      kind: 'chat',
      model: 'qwen3',
      system: [],
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'be brief' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image', mediaType: 'image/png', data: PNG },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hmm' },
            { type: 'text', text: 'calling' },
            { type: 'tool_use', id: '', name: 'one', input: { x: 1 } },
            { type: 'tool_use', id: 'b', name: 'two', input: { y: 2 } },
          ],
        },
        {
          role: 'tool',
          content: [
            { type: 'tool_result', toolUseId: '', name: 'one', content: [{ type: 'text', text: 'ok' }] },
          ],
        },
        { role: 'system', content: [{ type: 'text', text: 'late system text' }] },
      ],
      tools: [{ name: 'one', description: 'd', inputSchema: { type: 'object' } }],
      sampling: {
        temperature: 0.5,
        topP: 0.9,
        topK: 40,
        seed: 7,
        stop: ['END'],
        maxOutputTokens: 100,
        numCtx: 8192,
      },
      ollamaOptions: { repeat_penalty: 1.1 },
      ollamaFields: { truncate: false },
      keepAlive: '10m',
      think: 'high',
      format: 'json',
      stream: false,
    });
  });

  it.each([
    [
      'absent stream defaults to true',
      { model: 'm' },
      { stream: true, messages: [], tools: [], sampling: {} },
    ],
    [
      'null body fields mean unset',
      { model: 'm', format: null, think: null, keep_alive: null, options: null },
      { sampling: {} },
    ],
    ['empty format is unset', { model: 'm', format: '' }, { model: 'm' }],
    ['schema format', { model: 'm', format: { type: 'object' } }, { format: { type: 'object' } }],
    ['keep_alive number', { model: 'm', keep_alive: 0 }, { keepAlive: 0 }],
    ['keep_alive negative duration', { model: 'm', keep_alive: '-1m' }, { keepAlive: '-1m' }],
    ['think false', { model: 'm', think: false }, { think: false }],
    [
      'sentinels stay Ollama options',
      { model: 'm', options: { num_predict: -1, seed: -1, num_ctx: 0 } },
      { sampling: {}, ollamaOptions: { num_predict: -1, seed: -1, num_ctx: 0 } },
    ],
    [
      'unknown top-level fields pass through',
      { model: 'm', shift: true, top_logprobs: 3, logprobs: true, foo: 1 },
      { ollamaFields: { shift: true, top_logprobs: 3, logprobs: true, foo: 1 } },
    ],
  ])('%s', (_name, body, expected) => {
    expect(decodeChatRequest(body)).toMatchObject(expected);
  });

  it('passes LangChain tool messages with neither id nor name (real-clients.md)', () => {
    const req = decodeChatRequest({ model: 'm', messages: [{ role: 'tool', content: '42' }] });
    expect(req.messages).toEqual([
      {
        role: 'tool',
        content: [{ type: 'tool_result', toolUseId: '', content: [{ type: 'text', text: '42' }] }],
      },
    ]);
  });

  it('keeps tool_call_id and images of tool messages', () => {
    const req = decodeChatRequest({
      model: 'm',
      messages: [{ role: 'tool', content: '', tool_call_id: 'call_1', images: [PNG] }],
    });
    expect(req.messages[0]?.content).toEqual([
      {
        type: 'tool_result',
        toolUseId: 'call_1',
        content: [{ type: 'image', mediaType: 'image/png', data: PNG }],
      },
    ]);
  });

  it.each<[string, unknown, string, CorralError['kind']?]>([
    ['null body', null, 'model is required'],
    ['missing model', {}, 'model is required'],
    ['blank model', { model: '  ' }, 'model is required'],
    ['array body', [], 'json: cannot unmarshal array into Go value of type api.ChatRequest'],
    [
      'stream as string',
      { model: 'm', stream: 'yes' },
      'json: cannot unmarshal string into Go struct field ChatRequest.stream of type bool',
    ],
    [
      'model as number',
      { model: 3 },
      'json: cannot unmarshal number into Go struct field ChatRequest.model of type string',
    ],
    [
      'messages as object',
      { model: 'm', messages: {} },
      'json: cannot unmarshal object into Go struct field ChatRequest.messages of type []api.Message',
    ],
    [
      'content as parts',
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] },
      'json: cannot unmarshal array into Go struct field ChatRequest.messages.content of type string',
    ],
    [
      'unknown role',
      { model: 'm', messages: [{ role: 'developer', content: 'x' }] },
      'invalid role "developer" in messages[0]: expected "system", "user", "assistant" or "tool"',
    ],
    [
      'data URL image',
      { model: 'm', messages: [{ role: 'user', content: '', images: ['data:image/png;base64,AAAA'] }] },
      'illegal base64 data at input byte 4',
    ],
    [
      'image as number',
      { model: 'm', messages: [{ role: 'user', content: '', images: [1] }] },
      'json: cannot unmarshal number into Go struct field ChatRequest.messages.images of type api.ImageData',
    ],
    [
      'string arguments',
      {
        model: 'm',
        messages: [
          { role: 'assistant', content: '', tool_calls: [{ function: { name: 'f', arguments: '{}' } }] },
        ],
      },
      'json: cannot unmarshal string into Go struct field ChatRequest.messages.tool_calls.function.arguments of type api.ToolCallFunctionArguments',
    ],
    ['bare numeric keep_alive', { model: 'm', keep_alive: '300' }, 'time: missing unit in duration "300"'],
    ['bad keep_alive unit', { model: 'm', keep_alive: '5x' }, 'time: unknown unit "x" in duration "5x"'],
    ['bool keep_alive', { model: 'm', keep_alive: true }, "Unsupported type: 'bool'"],
    [
      'bad think',
      { model: 'm', think: 'extreme' },
      'invalid think value: "extreme" (must be "high", "medium", "low", "max", true, or false)',
    ],
    [
      'numeric think',
      { model: 'm', think: 1 },
      'think must be a boolean or string ("high", "medium", "low", "max", true, or false)',
    ],
    [
      'stop with numbers',
      { model: 'm', options: { stop: [1] } },
      'option "stop" must be of an array of strings',
    ],
    [
      'bad format',
      { model: 'm', format: 'yaml' },
      'invalid format: "yaml"; expected "json" or a valid JSON Schema object',
    ],
    [
      'string option',
      { model: 'm', options: { temperature: 'hot' } },
      'option "temperature" must be of type float32',
    ],
    ['int option', { model: 'm', options: { num_ctx: '4096' } }, 'option "num_ctx" must be of type integer'],
    ['stop as string', { model: 'm', options: { stop: 'END' } }, 'option "stop" must be of type array'],
    ['top_logprobs range', { model: 'm', top_logprobs: 21 }, 'top_logprobs must be between 0 and 20'],
    [
      'top_logprobs fraction',
      { model: 'm', top_logprobs: 1.5 },
      'json: cannot unmarshal number 1.5 into Go struct field ChatRequest.top_logprobs of type int',
    ],
    [
      'truncate as string',
      { model: 'm', truncate: 'no' },
      'json: cannot unmarshal string into Go struct field ChatRequest.truncate of type bool',
    ],
    [
      'tools as object',
      { model: 'm', tools: {} },
      'json: cannot unmarshal object into Go struct field ChatRequest.tools of type api.Tools',
    ],
  ])('refuses %s', (_name, body, message, kind = 'invalid_request') => {
    const err = failure(() => decodeChatRequest(body));
    expect({ kind: err.kind, message: err.message }).toEqual({ kind, message });
  });

  it('names the exact parameter for OpenAI-style param reporting', () => {
    const err = failure(() =>
      decodeChatRequest({
        model: 'm',
        messages: [
          { role: 'user', content: 'x' },
          { role: 'user', content: 1 },
        ],
      }),
    );
    expect(err.param).toBe('messages[1].content');
  });
});
