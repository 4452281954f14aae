import { describe, expect, it } from 'vitest';
import { CorralError } from '../../core/errors.js';
import { decodeCountTokensRequest, decodeMessagesRequest } from './decode-request.js';

const base = { model: 'qwen3:8b', max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] };

function failure(fn: () => unknown): CorralError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CorralError) return err;
    throw err;
  }
  throw new Error('expected a CorralError');
}

describe('decodeMessagesRequest', () => {
  it('maps a full request to canonical', () => {
    const req = decodeMessagesRequest({
      model: 'qwen3:8b',
      max_tokens: 1024,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral', ttl: '1h' } }],
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools: [{ name: 'get_weather', description: 'Look it up', input_schema: { type: 'object' } }],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['END'],
      thinking: { type: 'enabled', budget_tokens: 2048 },
      metadata: { user_id: '{"session":"x"}' },
      service_tier: 'auto',
      container: null,
      stream: true,
    });
    expect(req).toEqual({
      kind: 'chat',
      model: 'qwen3:8b',
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }] }],
      tools: [{ name: 'get_weather', description: 'Look it up', inputSchema: { type: 'object' } }],
      toolChoice: { type: 'auto' },
      sampling: { temperature: 0.2, topP: 0.9, topK: 40, stop: ['END'], maxOutputTokens: 1024 },
      think: true,
      stream: true,
    });
  });

  it('defaults stream to false, leaves unset sampling out, and turns thinking off when absent', () => {
    const req = decodeMessagesRequest(base);
    expect(req.stream).toBe(false);
    expect(req.sampling).toEqual({ maxOutputTokens: 256 });
    expect(req.think).toBe(false);
    expect(req.toolChoice).toBeUndefined();
  });

  const thinking: Array<[string, Record<string, unknown>, unknown]> = [
    ['enabled → true', { thinking: { type: 'enabled', budget_tokens: 1024 } }, true],
    ['disabled → false', { thinking: { type: 'disabled' } }, false],
    ['adaptive → true', { thinking: { type: 'adaptive', display: 'omitted' } }, true],
    ['between_tools → true', { thinking: { type: 'between_tools' } }, true],
    ['adaptive + effort low', { thinking: { type: 'adaptive' }, output_config: { effort: 'low' } }, 'low'],
    [
      'adaptive + effort xhigh → high',
      { thinking: { type: 'adaptive' }, output_config: { effort: 'xhigh' } },
      'high',
    ],
    [
      'enabled + effort max → max',
      { thinking: { type: 'enabled' }, output_config: { effort: 'max' } },
      'max',
    ],
    ['absent + effort → still off', { output_config: { effort: 'high' } }, false],
    ['null → off', { thinking: null }, false],
  ];
  for (const [name, extra, want] of thinking) {
    it(`thinking: ${name}`, () => {
      expect(decodeMessagesRequest({ ...base, ...extra }).think).toBe(want);
    });
  }

  const choices: Array<[unknown, unknown]> = [
    [{ type: 'auto' }, { type: 'auto' }],
    [{ type: 'any', disable_parallel_tool_use: true }, { type: 'any' }],
    [
      { type: 'tool', name: 'get_weather' },
      { type: 'tool', name: 'get_weather' },
    ],
    [{ type: 'none' }, { type: 'none' }],
  ];
  for (const [choice, want] of choices) {
    it(`tool_choice ${JSON.stringify(choice)} is accepted, never a 400 (§C.1)`, () => {
      expect(decodeMessagesRequest({ ...base, tool_choice: choice }).toolChoice).toEqual(want);
    });
  }

  it('passes defer_loading tools as normal tools and drops server tools', () => {
    const req = decodeMessagesRequest({
      ...base,
      tools: [
        { name: 'Read', input_schema: { type: 'object' }, defer_loading: true, strict: true },
        { type: 'web_search_20250305', name: 'web_search', max_uses: 5 },
        { type: 'bash_20250124', name: 'bash' },
        { type: 'custom', name: 'Write', input_schema: { type: 'object', properties: {} } },
      ],
    });
    expect(req.tools.map((t) => t.name)).toEqual(['Read', 'Write']);
  });

  it('maps output_config.format json_schema to format', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    const req = decodeMessagesRequest({
      ...base,
      output_config: { format: { type: 'json_schema', schema } },
    });
    expect(req.format).toEqual(schema);
  });

  it('accepts a prefill: a final assistant turn is kept as is', () => {
    const req = decodeMessagesRequest({
      ...base,
      messages: [
        { role: 'user', content: 'Say hi' },
        { role: 'assistant', content: 'Hi' },
      ],
    });
    expect(req.messages.at(-1)).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'Hi' }] });
  });

  const errors: Array<{ name: string; body: unknown; param?: string; message: RegExp }> = [
    { name: 'body not an object', body: [], message: /request body must be a JSON object, got an array/ },
    {
      name: 'model missing',
      body: { ...base, model: undefined },
      param: 'model',
      message: /^model: Field required/,
    },
    { name: 'model blank', body: { ...base, model: ' ' }, param: 'model', message: /Field required/ },
    {
      name: 'max_tokens missing',
      body: { ...base, max_tokens: undefined },
      param: 'max_tokens',
      message: /^max_tokens: Field required/,
    },
    {
      name: 'max_tokens 0',
      body: { ...base, max_tokens: 0 },
      param: 'max_tokens',
      message: /at least 1, got 0/,
    },
    {
      name: 'max_tokens fraction',
      body: { ...base, max_tokens: 1.5 },
      param: 'max_tokens',
      message: /expected an integer, got a number/,
    },
    {
      name: 'max_tokens string',
      body: { ...base, max_tokens: '100' },
      param: 'max_tokens',
      message: /expected an integer, got a string/,
    },
    {
      name: 'messages missing',
      body: { model: 'm', max_tokens: 1 },
      param: 'messages',
      message: /Field required/,
    },
    {
      name: 'messages empty',
      body: { ...base, messages: [] },
      param: 'messages',
      message: /at least one message/,
    },
    {
      name: 'bad role',
      body: { ...base, messages: [{ role: 'tool', content: 'x' }] },
      param: 'messages.0.role',
      message: /expected 'user', 'assistant' or 'system', got "tool"/,
    },
    {
      name: 'content missing',
      body: { ...base, messages: [{ role: 'user' }] },
      param: 'messages.0.content',
      message: /Field required/,
    },
    {
      name: 'content a number',
      body: { ...base, messages: [{ role: 'user', content: 3 }] },
      param: 'messages.0.content',
      message: /a string or an array of content blocks, got a number/,
    },
    {
      name: 'stream not a boolean',
      body: { ...base, stream: 'yes' },
      param: 'stream',
      message: /expected a boolean/,
    },
    {
      name: 'temperature a string',
      body: { ...base, temperature: 'hot' },
      param: 'temperature',
      message: /expected a number/,
    },
    {
      name: 'stop_sequences entry',
      body: { ...base, stop_sequences: ['a', 1] },
      param: 'stop_sequences.1',
      message: /expected a string/,
    },
    {
      name: 'system a number',
      body: { ...base, system: 5 },
      param: 'system',
      message: /string or an array of text blocks/,
    },
    {
      name: 'system image block',
      body: { ...base, system: [{ type: 'image' }] },
      param: 'system.0.type',
      message: /only text blocks/,
    },
    {
      name: 'tool without name',
      body: { ...base, tools: [{ input_schema: {} }] },
      param: 'tools.0.name',
      message: /Field required/,
    },
    {
      name: 'tool without schema',
      body: { ...base, tools: [{ name: 'x' }] },
      param: 'tools.0.input_schema',
      message: /Field required/,
    },
    {
      name: 'OpenAI-style tool',
      body: { ...base, tools: [{ type: 'function', function: { name: 'x' } }] },
      param: 'tools.0',
      message: /OpenAI-style tool/,
    },
    {
      name: 'tool_choice unknown',
      body: { ...base, tool_choice: { type: 'required' } },
      param: 'tool_choice.type',
      message: /'auto', 'any', 'tool' or 'none'/,
    },
    {
      name: 'tool_choice tool without name',
      body: { ...base, tool_choice: { type: 'tool' } },
      param: 'tool_choice.name',
      message: /Field required/,
    },
    {
      name: 'thinking unknown',
      body: { ...base, thinking: { type: 'on' } },
      param: 'thinking.type',
      message: /'enabled', 'adaptive' or 'disabled'/,
    },
    {
      name: 'effort unknown',
      body: { ...base, thinking: { type: 'adaptive' }, output_config: { effort: 'huge' } },
      param: 'output_config.effort',
      message: /'low', 'medium'/,
    },
    {
      name: 'format not json_schema',
      body: { ...base, output_config: { format: { type: 'json' } } },
      param: 'output_config.format.type',
      message: /json_schema/,
    },
  ];
  for (const row of errors) {
    it(`400 when ${row.name}`, () => {
      const err = failure(() => decodeMessagesRequest(row.body));
      expect(err.kind).toBe('invalid_request');
      expect(err.message).toMatch(row.message);
      expect(err.param).toBe(row.param);
    });
  }
});

describe('decodeCountTokensRequest', () => {
  it('needs no max_tokens and allows empty messages (Claude Code sends {model, messages, tools})', () => {
    const req = decodeCountTokensRequest({ model: 'm', messages: [], tools: [] });
    expect(req).toMatchObject({
      kind: 'chat',
      model: 'm',
      messages: [],
      tools: [],
      sampling: {},
      stream: false,
    });
  });

  it('still requires model and messages', () => {
    expect(failure(() => decodeCountTokensRequest({ messages: [] })).param).toBe('model');
    expect(failure(() => decodeCountTokensRequest({ model: 'm' })).param).toBe('messages');
  });
});
