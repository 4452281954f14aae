import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../core/chat.js';
import { CorralError } from '../../core/errors.js';
import { decodeChatCompletionsRequest } from './decode-request.js';

const PNG = 'iVBORw0KGgo=';
const decode = (messages: unknown[]): ChatRequest =>
  decodeChatCompletionsRequest({ model: 'm', messages }).request;

function failure(messages: unknown[]): CorralError {
  try {
    decode(messages);
  } catch (error) {
    if (error instanceof CorralError) return error;
    throw error;
  }
  throw new Error('expected a CorralError');
}

const weatherCall = (id: string, args: unknown) => ({
  id,
  type: 'function',
  function: { name: 'get_weather', arguments: args },
});

describe('messages (client-apis.md B.2, C.4–C.6)', () => {
  it('Portkey-AI/gateway#457: every leading system and developer message survives, in order', () => {
    const req = decode([
      { role: 'system', content: 'A' },
      { role: 'developer', content: [{ type: 'text', text: 'B' }] },
      { role: 'user', content: 'Hi' },
      { role: 'system', content: 'later' },
    ]);
    expect(req.system).toStrictEqual([
      { type: 'text', text: 'A' },
      { type: 'text', text: 'B' },
    ]);
    expect(req.messages[1]).toStrictEqual({ role: 'system', content: [{ type: 'text', text: 'later' }] });
  });

  it('user parts: text parts joined by a blank line, data-URI image to plain base64 with its type', () => {
    const req = decode([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look:' },
          { type: 'text', text: 'what is it?' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}`, detail: 'high' } },
        ],
      },
    ]);
    expect(req.messages[0]?.content).toStrictEqual([
      { type: 'text', text: 'Look:\n\nwhat is it?' },
      { type: 'image', mediaType: 'image/png', data: PNG },
    ]);
  });

  it('BerriAI/litellm#18338: a data:image/png;base64 part reaches the canonical image without its prefix', () => {
    const req = decode([
      { role: 'user', content: [{ type: 'image_url', image_url: { url: `data:;base64,${PNG}` } }] },
    ]);
    expect(req.messages[0]?.content).toStrictEqual([
      { type: 'image', mediaType: 'application/octet-stream', data: PNG },
    ]);
  });

  it('pydantic/pydantic-ai#5206 (Vercel AI SDK): assistant content null beside tool_calls is accepted', () => {
    const req = decode([
      { role: 'user', content: 'Weather in Oslo?' },
      { role: 'assistant', content: null, tool_calls: [weatherCall('call_1', '{"city":"Oslo"}')] },
      { role: 'tool', tool_call_id: 'call_1', content: '12°C' },
    ]);
    expect(req.messages[1]).toStrictEqual({
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Oslo' } }],
    });
  });

  it('decolua/9router#3362: a 3-turn tool conversation keeps every tool_call_id and names each result', () => {
    const req = decode([
      { role: 'user', content: 'Weather in Oslo and Rome?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          weatherCall('call_a', '{"city":"Oslo"}'),
          {
            ...weatherCall('call_b', '{"city":"Rome"}'),
            function: { name: 'get_forecast', arguments: '{"city":"Rome"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a', content: '12°C' },
      { role: 'tool', tool_call_id: 'call_b', content: [{ type: 'text', text: 'sunny' }] },
      { role: 'assistant', content: 'Oslo 12°C, Rome sunny.' },
      { role: 'user', content: 'Thanks' },
    ]);
    expect(req.messages.slice(2, 4)).toStrictEqual([
      {
        role: 'tool',
        content: [
          {
            type: 'tool_result',
            toolUseId: 'call_a',
            name: 'get_weather',
            content: [{ type: 'text', text: '12°C' }],
          },
        ],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool_result',
            toolUseId: 'call_b',
            name: 'get_forecast',
            content: [{ type: 'text', text: 'sunny' }],
          },
        ],
      },
    ]);
  });

  it('a tool message may name itself; an unknown id leaves the name unset', () => {
    const req = decode([
      { role: 'tool', tool_call_id: 'x', name: 'lookup', content: 'r' },
      { role: 'tool', tool_call_id: 'y', content: '' },
    ]);
    expect(req.messages.map((m) => m.content[0])).toStrictEqual([
      { type: 'tool_result', toolUseId: 'x', name: 'lookup', content: [{ type: 'text', text: 'r' }] },
      { type: 'tool_result', toolUseId: 'y', content: [] },
    ]);
  });

  it('assistant reasoning / reasoning_content become a leading thinking block; refusal parts text', () => {
    const req = decode([
      {
        role: 'assistant',
        reasoning: 'first think',
        content: [
          { type: 'text', text: 'A' },
          { type: 'refusal', refusal: 'no' },
        ],
      },
      { role: 'assistant', reasoning_content: 'deep', content: 'B' },
    ]);
    expect(req.messages.map((m) => m.content)).toStrictEqual([
      [
        { type: 'thinking', thinking: 'first think' },
        { type: 'text', text: 'A\n\nno' },
      ],
      [
        { type: 'thinking', thinking: 'deep' },
        { type: 'text', text: 'B' },
      ],
    ]);
  });

  it('empty or object arguments are accepted', () => {
    const req = decode([
      { role: 'assistant', tool_calls: [weatherCall('c1', ''), weatherCall('c2', { city: 'Bergen' })] },
    ]);
    expect(req.messages[0]?.content.map((b) => (b.type === 'tool_use' ? b.input : undefined))).toStrictEqual([
      {},
      { city: 'Bergen' },
    ]);
  });

  it('BerriAI/litellm#33678: glued parallel arguments are a 400 naming the message', () => {
    const err = failure([
      { role: 'user', content: 'x' },
      { role: 'user', content: 'y' },
      { role: 'assistant', content: null, tool_calls: [weatherCall('c1', '{"path":"a"}{"path":"b"}')] },
    ]);
    expect(err.kind).toBe('invalid_request');
    expect(err.message).toMatch(/messages\[2\]/);
    expect(err.param).toBe('messages[2].tool_calls[0].function.arguments');
  });

  const errors: Array<[string, unknown[], string, RegExp]> = [
    [
      'arguments that are a JSON array',
      [{ role: 'assistant', tool_calls: [weatherCall('c', '[1]')] }],
      'messages[0].tool_calls[0].function.arguments',
      /JSON object/,
    ],
    [
      'http image URL',
      [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/cat.png' } }] }],
      'messages[0].content[0].image_url.url',
      /image URLs are not supported/,
    ],
    [
      'non-base64 data URI',
      [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png,abc' } }] }],
      'messages[0].content[0].image_url.url',
      /base64/,
    ],
    [
      'garbage base64',
      [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,@@@' } }] }],
      'messages[0].content[0].image_url.url',
      /not valid base64/,
    ],
    [
      'input_audio',
      [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] }],
      'messages[0].content[0]',
      /audio input is not supported/,
    ],
    [
      'file part',
      [{ role: 'user', content: [{ type: 'file', file: { file_id: 'f' } }] }],
      'messages[0].content[0]',
      /file inputs/,
    ],
    [
      'image in a system message',
      [
        {
          role: 'system',
          content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }],
        },
      ],
      'messages[0].content[0].type',
      /unsupported content part/,
    ],
    ['unknown role', [{ role: 'robot', content: 'x' }], 'messages[0].role', /invalid role "robot"/],
    [
      'legacy function role',
      [{ role: 'function', name: 'f', content: 'x' }],
      'messages[0].role',
      /legacy function/,
    ],
    ['message not an object', ['hi'], 'messages[0]', /must be an object/],
    ['content a number', [{ role: 'user', content: 5 }], 'messages[0].content', /string or an array/],
    [
      'tool call without name',
      [{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { arguments: '{}' } }] }],
      'messages[0].tool_calls[0].function.name',
      /required/,
    ],
  ];
  it.each(errors)('400 for %s', (_name, messages, param, message) => {
    const err = failure(messages);
    expect(err.kind).toBe('invalid_request');
    expect(err.param).toBe(param);
    expect(err.message).toMatch(message);
  });
});
