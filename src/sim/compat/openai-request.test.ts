import { describe, expect, it } from 'vitest';
import { decodeChatCompletionRequest } from './openai-request.js';

// §5.1 error texts and the §5.2 mapping table, one row per case.

function ok(body: unknown) {
  const r = decodeChatCompletionRequest(body);
  if (!r.ok) throw new Error(`expected ok, got ${r.message}`);
  return r;
}

function fails(body: unknown): string {
  const r = decodeChatCompletionRequest(body);
  if (r.ok) throw new Error('expected an error');
  expect(r.status).toBe(400);
  return r.message;
}

const PNG = 'iVBORw0KGgo=';
const hello = [{ role: 'user', content: 'Hello' }];

describe('decodeChatCompletionRequest: mapping (§5.2)', () => {
  it('minimal request: temperature and top_p forced to 1.0, stream defaults to false', () => {
    const r = ok({ model: 'llama3.2', messages: hello });
    expect(r.native).toEqual({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'Hello' }],
      stream: false,
      options: { temperature: 1.0, top_p: 1.0 },
    });
    expect(r.stream).toBe(false);
    expect(r.includeUsage).toBe(false);
  });

  it('sampling fields map to options; max_completion_tokens is not read', () => {
    const r = ok({
      model: 'm',
      messages: hello,
      max_tokens: 64,
      max_completion_tokens: 999,
      temperature: 0.2,
      top_p: 0.5,
      seed: 7,
      frequency_penalty: 0.1,
      presence_penalty: 0.3,
      stop: 'END',
    });
    expect(r.native.options).toEqual({
      stop: ['END'],
      num_predict: 64,
      temperature: 0.2,
      seed: 7,
      frequency_penalty: 0.1,
      presence_penalty: 0.3,
      top_p: 0.5,
    });
  });

  it('stop as an array keeps only the strings', () => {
    expect(ok({ model: 'm', messages: hello, stop: ['a', 1, 'b'] }).native.options?.stop).toEqual(['a', 'b']);
  });

  it('stream and stream_options.include_usage', () => {
    const r = ok({ model: 'm', messages: hello, stream: true, stream_options: { include_usage: true } });
    expect(r.native.stream).toBe(true);
    expect(r.stream).toBe(true);
    expect(r.includeUsage).toBe(true);
  });

  it('content parts become separate messages; data-URI images become plain base64', () => {
    const r = ok({
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
            { type: 'image_url', image_url: `data:;base64,${PNG}` },
          ],
        },
      ],
    });
    expect(r.native.messages).toEqual([
      { role: 'user', content: 'What is this?' },
      { role: 'user', content: '', images: [PNG] },
      { role: 'user', content: '', images: [PNG] },
    ]);
  });

  it('tool round trip: arguments string → object, tool_name looked up from the earlier call', () => {
    const r = ok({
      model: 'm',
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
        { role: 'tool', tool_call_id: 'call_1', name: 'explicit', content: 'x' },
      ],
    });
    expect(r.native.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ id: 'call_1', function: { name: 'get_weather', arguments: { city: 'Paris' } } }],
      },
      { role: 'tool', content: '{"temp":21}', tool_name: 'get_weather', tool_call_id: 'call_1' },
      { role: 'tool', content: 'x', tool_name: 'explicit', tool_call_id: 'call_1' },
    ]);
  });

  it('reasoning on a message becomes thinking', () => {
    const r = ok({ model: 'm', messages: [{ role: 'assistant', content: 'Hi', reasoning: 'greet' }] });
    expect(r.native.messages[0]).toEqual({ role: 'assistant', content: 'Hi', thinking: 'greet' });
  });

  it.each([
    [{ type: 'json_object' }, 'json'],
    [{ type: ' JSON_OBJECT ' }, 'json'],
    [{ type: 'json_schema', json_schema: { schema: { type: 'object' } } }, { type: 'object' }],
    [{ type: 'text' }, undefined],
  ])('response_format %j → format %j', (rf, format) => {
    expect(ok({ model: 'm', messages: hello, response_format: rf }).native.format).toEqual(format);
  });

  it.each([
    [{ reasoning_effort: 'none' }, false],
    [{ reasoning_effort: 'minimal' }, 'low'],
    [{ reasoning_effort: 'low' }, 'low'],
    [{ reasoning_effort: 'medium' }, 'medium'],
    [{ reasoning_effort: 'high' }, 'high'],
    [{ reasoning_effort: 'max' }, 'max'],
    [{ reasoning_effort: 'xhigh' }, 'max'],
    [{ reasoning_effort: 'ultra' }, 'max'],
    [{ reasoning: { effort: 'high' }, reasoning_effort: 'none' }, 'high'],
    [{}, undefined],
  ])('%j → think %j', (extra, think) => {
    expect(ok({ model: 'm', messages: hello, ...extra }).native.think).toBe(think);
  });

  it('tools pass through as function tools', () => {
    const tool = {
      type: 'function',
      function: { name: 'f', description: 'd', parameters: { type: 'object' } },
    };
    expect(ok({ model: 'm', messages: hello, tools: [tool] }).native.tools).toEqual([tool]);
  });
});

describe('decodeChatCompletionRequest: errors (§5.1)', () => {
  it.each([
    [{ model: 'm', messages: [] }, "[] is too short - 'messages'"],
    [{ model: 'm' }, "[] is too short - 'messages'"],
    [{ model: 'm', messages: [{ role: 'user', content: 1.5 }] }, 'invalid message content type: float64'],
    [{ model: 'm', messages: [{ role: 'user' }] }, 'invalid message content type: <nil>'],
    [
      { model: 'm', messages: [{ role: 'user', content: { a: 1 } }] },
      'invalid message content type: map[string]interface {}',
    ],
    [
      {
        model: 'm',
        messages: [
          {
            role: 'assistant',
            content: '',
            tool_calls: [{ id: 'c', function: { name: 'f', arguments: '{oops' } }],
          },
        ],
      },
      'invalid tool call arguments',
    ],
    [
      {
        model: 'm',
        messages: [
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }],
          },
        ],
      },
      'image URLs are not currently supported, please use base64 encoded data instead',
    ],
    [
      {
        model: 'm',
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: 'data:image/gif;base64,AAAA' }] },
        ],
      },
      'invalid image input',
    ],
    [
      {
        model: 'm',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: 'data:image/png;base64,@@' }] }],
      },
      'invalid image input',
    ],
    [
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'file', file: {} }] }] },
      'invalid message format',
    ],
    [{ model: 'm', messages: [{ role: 'user', content: ['just a string'] }] }, 'invalid message format'],
    [
      { model: 'm', messages: hello, reasoning_effort: 'extreme' },
      'invalid reasoning value: "extreme" (must be "minimal", "low", "medium", "high", "xhigh", "ultra", "max", or "none")',
    ],
    [
      { model: 'm', messages: hello, stream: 'yes' },
      'json: cannot unmarshal string into Go struct field ChatCompletionRequest.stream of type bool',
    ],
    [
      { model: 'm', messages: hello, max_tokens: 1.5 },
      'json: cannot unmarshal number 1.5 into Go struct field ChatCompletionRequest.max_tokens of type int',
    ],
    [
      ['not', 'an', 'object'],
      'json: cannot unmarshal array into Go value of type openai.ChatCompletionRequest',
    ],
  ])('%j → %s', (body, message) => {
    expect(fails(body)).toBe(message);
  });
});
