/**
 * Canonical requests as the Anthropic and OpenAI decoders will produce them, encoded for an
 * upstream Ollama (client-apis.md C.1, C.4, C.5 and ollama-api.md §6.7 scenarios).
 */
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../core/chat.js';
import { encodeChatRequest, encodeEmbedRequest, encodeGenerateRequest } from './encode-request.js';

function chat(over: Partial<ChatRequest>): ChatRequest {
  return {
    kind: 'chat',
    model: 'm',
    system: [],
    messages: [],
    tools: [],
    sampling: {},
    stream: false,
    ...over,
  };
}

describe('encodeChatRequest', () => {
  it.each<[string, Partial<ChatRequest>, Record<string, unknown>]>([
    [
      'minimal request, nothing invented',
      { messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }] },
      {
        model: 'm',
        messages: [{ role: 'user', content: 'Hello' }],
        stream: false,
      },
    ],
    [
      'system blocks joined with a blank line into one leading message',
      {
        system: [
          { type: 'text', text: 'You are helpful.' },
          { type: 'text', text: '' },
          { type: 'text', text: 'Be concise.' },
        ],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      },
      {
        messages: [
          { role: 'system', content: 'You are helpful.\n\nBe concise.' },
          { role: 'user', content: 'hi' },
        ],
      },
    ],
    [
      'sampling to options, only what is set',
      {
        sampling: { temperature: 0.7, topP: 0.9, topK: 40, stop: ['\n', 'END'], maxOutputTokens: 2048 },
      },
      { options: { temperature: 0.7, top_p: 0.9, top_k: 40, stop: ['\n', 'END'], num_predict: 2048 } },
    ],
    [
      'canonical sampling wins over a pass-through copy',
      {
        sampling: { maxOutputTokens: 10, numCtx: 4096, seed: 1 },
        ollamaOptions: { num_predict: 99, num_batch: 256 },
      },
      { options: { num_predict: 10, num_ctx: 4096, seed: 1, num_batch: 256 } },
    ],
    [
      'tools',
      {
        tools: [
          { name: 'get_weather', description: 'w', inputSchema: { type: 'object' } },
          { name: 'noop', inputSchema: {} },
        ],
      },
      {
        tools: [
          {
            type: 'function',
            function: { name: 'get_weather', description: 'w', parameters: { type: 'object' } },
          },
          { type: 'function', function: { name: 'noop', parameters: {} } },
        ],
      },
    ],
    [
      'other tool_choice values are ignored',
      { tools: [{ name: 't', inputSchema: {} }], toolChoice: { type: 'tool', name: 't' } },
      {
        tools: [{ type: 'function', function: { name: 't', parameters: {} } }],
      },
    ],
    [
      'think, format, keep_alive, extra fields',
      { think: 'max', format: { type: 'object' }, keepAlive: '5m', ollamaFields: { shift: false } },
      {
        think: 'max',
        format: { type: 'object' },
        keep_alive: '5m',
        shift: false,
      },
    ],
  ])('%s', (_name, over, expected) => {
    expect(encodeChatRequest(chat(over))).toMatchObject(expected);
  });

  it('tool_choice none sends no tools (Ollama cannot forbid calls, client-apis.md C.1)', () => {
    const out = encodeChatRequest(
      chat({ tools: [{ name: 't', inputSchema: {} }], toolChoice: { type: 'none' } }),
    );
    expect(out).not.toHaveProperty('tools');
  });

  it('overrides stream when asked (upstream always streams)', () => {
    expect(encodeChatRequest(chat({ stream: false }), { stream: true }).stream).toBe(true);
  });

  it('splits an Anthropic tool turn: results first as tool messages with names looked up, then the user text', () => {
    const req = chat({
      messages: [
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'need a file', signature: 'sig' },
            { type: 'text', text: 'Reading' },
            { type: 'tool_use', id: 'call_read', name: 'read_file', input: { path: 'a.png' } },
            { type: 'tool_use', id: 'call_ls', name: 'ls', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              toolUseId: 'call_read',
              content: [
                { type: 'text', text: 'Attached image' },
                { type: 'image', mediaType: 'image/png', data: 'iVBOR' },
              ],
            },
            { type: 'tool_result', toolUseId: 'call_ls', content: [], isError: true },
            { type: 'text', text: 'Please describe it.' },
          ],
        },
      ],
    });
    expect(encodeChatRequest(req).messages).toStrictEqual([
      {
        role: 'assistant',
        content: 'Reading',
        thinking: 'need a file',
        tool_calls: [
          { id: 'call_read', function: { index: 0, name: 'read_file', arguments: { path: 'a.png' } } },
          { id: 'call_ls', function: { index: 1, name: 'ls', arguments: {} } },
        ],
      },
      {
        role: 'tool',
        content: 'Attached image',
        images: ['iVBOR'],
        tool_name: 'read_file',
        tool_call_id: 'call_read',
      },
      { role: 'tool', content: '[tool error] ', tool_name: 'ls', tool_call_id: 'call_ls' },
      { role: 'user', content: 'Please describe it.' },
    ]);
  });

  it('never looks a name up by an empty id (id-less LangChain calls)', () => {
    const req = chat({
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: '', name: 'add', input: { a: 1 } }] },
        {
          role: 'tool',
          content: [{ type: 'tool_result', toolUseId: '', content: [{ type: 'text', text: '1' }] }],
        },
      ],
    });
    expect(encodeChatRequest(req).messages[1]).toStrictEqual({ role: 'tool', content: '1' });
  });

  it('joins text blocks of one message with a newline (Claude Code system-reminder blocks) and keeps images as plain base64', () => {
    const req = chat({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'image', mediaType: 'image/jpeg', data: '/9j/' },
            { type: 'text', text: 'b' },
          ],
        },
      ],
    });
    expect(encodeChatRequest(req).messages).toStrictEqual([
      { role: 'user', content: 'a\nb', images: ['/9j/'] },
    ]);
  });

  it('keeps an assistant message that has only thinking (scenario 11)', () => {
    const req = chat({ messages: [{ role: 'assistant', content: [{ type: 'thinking', thinking: 'hm' }] }] });
    expect(encodeChatRequest(req).messages).toStrictEqual([
      { role: 'assistant', content: '', thinking: 'hm' },
    ]);
  });
});

describe('encodeGenerateRequest and encodeEmbedRequest', () => {
  it('omits unset generate fields and empty images', () => {
    expect(
      encodeGenerateRequest({
        kind: 'generate',
        model: 'm',
        prompt: '',
        images: [],
        sampling: {},
        stream: true,
      }),
    ).toStrictEqual({
      model: 'm',
      prompt: '',
      stream: true,
    });
  });

  it('omits empty embed options', () => {
    expect(encodeEmbedRequest({ kind: 'embed', model: 'e', input: [], ollamaOptions: {} })).toStrictEqual({
      model: 'e',
      input: [],
    });
  });
});
