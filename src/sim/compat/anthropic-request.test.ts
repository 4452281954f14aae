import { describe, expect, it } from 'vitest';
import { decodeMessagesRequest, relaxThinking } from './anthropic-request.js';
import { estimateInputTokens } from './anthropic-tokens.js';

// §6.7 conformance scenarios 1–13 and 26 (Ollama's anthropic_test.go), plus the §6.1 error texts.

const PNG = 'iVBORw0KGgo=';

function ok(body: unknown) {
  const r = decodeMessagesRequest(body);
  if (!r.ok) throw new Error(`expected ok, got ${r.message}`);
  return r;
}

function fails(body: unknown): string {
  const r = decodeMessagesRequest(body);
  if (r.ok) throw new Error('expected an error');
  expect(r.status).toBe(400);
  return r.message;
}

const base = { model: 'test-model', max_tokens: 1024 };

describe('decodeMessagesRequest: mapping (§6.2)', () => {
  it('1. minimal request', () => {
    const r = ok({ ...base, messages: [{ role: 'user', content: 'Hello' }] });
    expect(r.native).toEqual({
      model: 'test-model',
      messages: [{ role: 'user', content: 'Hello' }],
      stream: false,
      options: { num_predict: 1024 },
    });
    expect(r.stream).toBe(false);
  });

  it('2. system string becomes a leading system message', () => {
    const r = ok({ ...base, system: 'You are helpful.', messages: [{ role: 'user', content: 'Hello' }] });
    expect(r.native.messages).toEqual([
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'Hello' },
    ]);
  });

  it('3. system blocks are joined with no separator', () => {
    const system = [
      { type: 'text', text: 'You are helpful.' },
      { type: 'text', text: ' Be concise.' },
    ];
    const r = ok({ ...base, system, messages: [{ role: 'user', content: 'Hello' }] });
    expect(r.native.messages[0]).toEqual({ role: 'system', content: 'You are helpful. Be concise.' });
    expect(r.native.messages).toHaveLength(2);
  });

  it('4. sampling options and stop sequences', () => {
    const r = ok({
      model: 'm',
      max_tokens: 2048,
      temperature: 0.7,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['\n', 'END'],
      messages: [{ role: 'user', content: 'Hello' }],
    });
    expect(r.native.options).toEqual({
      num_predict: 2048,
      temperature: 0.7,
      top_p: 0.9,
      top_k: 40,
      stop: ['\n', 'END'],
    });
  });

  it('5. text + base64 image on one user message', () => {
    const content = [
      { type: 'text', text: 'What is in this image?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
    ];
    const r = ok({ ...base, messages: [{ role: 'user', content }] });
    expect(r.native.messages).toEqual([{ role: 'user', content: 'What is in this image?', images: [PNG] }]);
  });

  it('6. assistant tool_use becomes a tool call', () => {
    const content = [{ type: 'tool_use', id: 'call_123', name: 'get_weather', input: { location: 'Paris' } }];
    const r = ok({ ...base, messages: [{ role: 'assistant', content }] });
    expect(r.native.messages).toEqual([
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ id: 'call_123', function: { name: 'get_weather', arguments: { location: 'Paris' } } }],
      },
    ]);
  });

  it('7. tool_result with string content', () => {
    const content = [
      { type: 'tool_result', tool_use_id: 'call_123', content: 'The weather in Paris is sunny.' },
    ];
    const r = ok({ ...base, messages: [{ role: 'user', content }] });
    expect(r.native.messages).toEqual([
      { role: 'tool', content: 'The weather in Paris is sunny.', tool_call_id: 'call_123' },
    ]);
  });

  it('8. tool_result with text and image blocks', () => {
    const content = [
      {
        type: 'tool_result',
        tool_use_id: 'call_img',
        content: [
          { type: 'text', text: 'Attached image' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
        ],
      },
    ];
    const r = ok({ ...base, messages: [{ role: 'user', content }] });
    expect(r.native.messages).toEqual([
      { role: 'tool', content: 'Attached image', images: [PNG], tool_call_id: 'call_img' },
    ]);
  });

  it('9. in a user message, tool results come before the text', () => {
    const r = ok({
      ...base,
      messages: [
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'call_read', name: 'read_file', input: { path: 'a.png' } }],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_read', content: 'image bytes' },
            { type: 'text', text: 'Please describe it.' },
          ],
        },
      ],
    });
    expect(r.native.messages.map((m) => [m.role, m.content, m.tool_call_id])).toEqual([
      ['assistant', '', undefined],
      ['tool', 'image bytes', 'call_read'],
      ['user', 'Please describe it.', undefined],
    ]);
  });

  it.each([
    [{ thinking: { type: 'enabled', budget_tokens: 1000 } }, true],
    [{ output_config: { effort: 'high' } }, 'high'],
    [{ output_config: { effort: 'xhigh' } }, 'high'],
    [{ thinking: { type: 'disabled' }, output_config: { effort: 'high' } }, false],
    [{ thinking: { type: 'adaptive' }, output_config: { effort: 'high' } }, 'high'],
    [{}, undefined],
    [{ output_config: { effort: 'bogus' } }, undefined],
  ])('10. thinking config %j → think %j', (extra, think) => {
    const r = ok({ ...base, ...extra, messages: [{ role: 'user', content: 'Hi' }] });
    expect(r.native.think).toBe(think);
  });

  it('11. an assistant message with only a thinking block is kept', () => {
    const content = [{ type: 'thinking', thinking: 'Let me think.', signature: 'sig' }];
    const r = ok({ ...base, messages: [{ role: 'assistant', content }] });
    expect(r.native.messages).toEqual([{ role: 'assistant', content: '', thinking: 'Let me think.' }]);
  });

  it('unknown block types are dropped; a message left with nothing produces no message', () => {
    const r = ok({
      ...base,
      messages: [
        { role: 'user', content: [{ type: 'document', source: {} }] },
        { role: 'user', content: 'Hi' },
      ],
    });
    expect(r.native.messages).toEqual([{ role: 'user', content: 'Hi' }]);
  });

  it('tools: input_schema becomes parameters, built-in web_search replaces a same-named custom tool', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const r = ok({
      ...base,
      messages: [{ role: 'user', content: 'Hi' }],
      tools: [
        { name: 'get_weather', description: 'Weather', input_schema: schema },
        { name: 'web_search', input_schema: { type: 'object' } },
        { type: 'web_search_20250305', name: 'web_search' },
      ],
    });
    expect(r.native.tools).toHaveLength(2);
    expect(r.native.tools?.[0]).toEqual({
      type: 'function',
      function: { name: 'get_weather', description: 'Weather', parameters: schema },
    });
    expect(r.native.tools?.[1]?.function.name).toBe('web_search');
    expect(r.native.tools?.[1]?.function.parameters).toMatchObject({ required: ['query'] });
  });
});

describe('decodeMessagesRequest: validation (§6.1)', () => {
  it.each([
    [{ type: 'tool_use', name: 'f', input: {} }, "tool_use block missing required 'id' field"],
    [{ type: 'tool_use', id: 'call_1', input: {} }, "tool_use block missing required 'name' field"],
    [{ type: 'image' }, 'invalid image source'],
    [
      { type: 'image', source: { type: 'url', url: 'https://x/y.png' } },
      'invalid image source type: url. Only base64 images are supported.',
    ],
    [
      { type: 'image', source: { type: 'base64', data: 'abc!' } },
      'invalid base64 image data: illegal base64 data at input byte 3',
    ],
  ])('12. block %j → %s', (block, message) => {
    expect(fails({ ...base, messages: [{ role: 'assistant', content: [block] }] })).toBe(message);
  });

  it('12. a tool with a malformed input_schema is refused', () => {
    const message = fails({
      ...base,
      messages: [{ role: 'user', content: 'Hi' }],
      tools: [{ name: 'bad', input_schema: 'nope' }],
    });
    expect(message).toMatch(/^invalid input_schema for tool "bad": /);
  });

  it.each([
    [{ max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }, 'model is required'],
    [
      { model: 'm', messages: [{ role: 'user', content: 'Hi' }] },
      'max_tokens is required and must be positive',
    ],
    [
      { model: 'm', max_tokens: 0, messages: [{ role: 'user', content: 'Hi' }] },
      'max_tokens is required and must be positive',
    ],
    [{ model: 'm', max_tokens: 10 }, 'messages is required'],
    [{ model: 'm', max_tokens: 10, messages: [] }, 'messages is required'],
    [
      { model: 'm', max_tokens: 'ten', messages: [] },
      'json: cannot unmarshal string into Go struct field MessagesRequest.max_tokens of type int',
    ],
  ])('13. %j → %s', (body, message) => {
    expect(fails(body)).toBe(message);
  });
});

describe('estimateInputTokens (scenario 26)', () => {
  const user = (text: string) => ({ role: 'user', content: [{ type: 'text', text }] });

  it('is 0 for an empty request and small for a short one', () => {
    expect(estimateInputTokens(undefined, [], [])).toBe(0);
    const n = estimateInputTokens(undefined, [user('Hello, world!')], []);
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(10);
  });

  it('grows with a system prompt, tools and thinking blocks', () => {
    const plain = estimateInputTokens(undefined, [user('Hello, world!')], []);
    expect(
      estimateInputTokens('You are a very helpful assistant.', [user('Hello, world!')], []),
    ).toBeGreaterThan(plain);
    const tool = {
      name: 'get_weather',
      description: 'Get the weather for a city',
      input_schema: { type: 'object' },
    };
    expect(estimateInputTokens(undefined, [user('Hello, world!')], [tool])).toBeGreaterThan(plain);
    const withThinking = [
      user('Hello, world!'),
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'I should greet them back politely.' }] },
    ];
    expect(estimateInputTokens(undefined, withThinking, [])).toBeGreaterThan(plain);
  });

  it('is carried on the decoded request', () => {
    expect(ok({ ...base, messages: [{ role: 'user', content: 'Hello, world!' }] }).estimatedInputTokens).toBe(
      4,
    );
  });
});

describe('relaxThinking', () => {
  const req = { model: 'm', messages: [], think: true as boolean | string };
  it.each([
    [['completion'], undefined],
    [['completion', 'thinking'], true],
    [undefined, true],
  ])('capabilities %j → think %j', (caps, think) => {
    expect(relaxThinking(req, caps).think).toBe(think);
  });
  it('keeps think:false on any model', () => {
    expect(relaxThinking({ ...req, think: false }, ['completion']).think).toBe(false);
  });
});
