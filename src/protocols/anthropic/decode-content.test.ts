import { describe, expect, it } from 'vitest';
import type { ContentBlock } from '../../core/chat.js';
import { CorralError } from '../../core/errors.js';
import { decodeMessagesRequest } from './decode-request.js';
import { UNSIGNED_THINKING_SIGNATURE } from './identifiers.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUg==';

/** Decodes one user message with these blocks and returns its canonical blocks. */
function blocks(content: unknown, role = 'user'): ContentBlock[] {
  const req = decodeMessagesRequest({ model: 'm', max_tokens: 10, messages: [{ role, content }] });
  return req.messages[0]?.content ?? [];
}

function failure(content: unknown): CorralError {
  try {
    blocks(content);
  } catch (err) {
    if (err instanceof CorralError) return err;
    throw err;
  }
  throw new Error('expected a CorralError');
}

const image = (source: unknown) => ({ type: 'image', source });

describe('content blocks → canonical', () => {
  const rows: Array<{ name: string; content: unknown; want: ContentBlock[]; role?: string }> = [
    { name: 'string shorthand', content: 'hello', want: [{ type: 'text', text: 'hello' }] },
    { name: 'empty string → no blocks', content: '', want: [] },
    {
      name: 'text blocks, cache_control and citations ignored, empty ones skipped',
      content: [
        { type: 'text', text: 'a', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: '' },
        { type: 'text', text: 'b', citations: [] },
      ],
      want: [
        { type: 'text', text: 'a' },
        { type: 'text', text: 'b' },
      ],
    },
    {
      name: 'base64 image',
      content: [image({ type: 'base64', media_type: 'image/png', data: PNG })],
      want: [{ type: 'image', mediaType: 'image/png', data: PNG }],
    },
    {
      name: 'a data: URI prefix is stripped to plain base64 (the BerriAI/litellm#18338 failure)',
      content: [image({ type: 'base64', media_type: 'image/png', data: `data:image/png;base64,${PNG}` })],
      want: [{ type: 'image', mediaType: 'image/png', data: PNG }],
    },
    {
      name: 'plain-text document → titled text',
      content: [
        {
          type: 'document',
          title: 'Notes',
          source: { type: 'text', media_type: 'text/plain', data: 'x = 1' },
        },
      ],
      want: [{ type: 'text', text: 'Notes\n\nx = 1' }],
    },
    {
      name: 'content document → its blocks',
      content: [
        { type: 'document', source: { type: 'content', content: [{ type: 'text', text: 'inner' }] } },
      ],
      want: [{ type: 'text', text: 'inner' }],
    },
    {
      name: 'assistant thinking, text and tool_use in order; our placeholder signature is dropped',
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'plan', signature: UNSIGNED_THINKING_SIGNATURE },
        { type: 'redacted_thinking', data: 'xyz' },
        { type: 'text', text: 'Calling.' },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } },
      ],
      want: [
        { type: 'thinking', thinking: 'plan' },
        { type: 'text', text: 'Calling.' },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } },
      ],
    },
    {
      name: 'a real signature is kept',
      role: 'assistant',
      content: [{ type: 'thinking', thinking: 'plan', signature: 'EqQBCgIYAhIM' }],
      want: [{ type: 'thinking', thinking: 'plan', signature: 'EqQBCgIYAhIM' }],
    },
    {
      name: 'server-tool and unknown blocks are dropped',
      content: [
        { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} },
        { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] },
        { type: 'container_upload', file_id: 'f' },
        { type: 'something_new' },
        { type: 'text', text: 'kept' },
      ],
      want: [{ type: 'text', text: 'kept' }],
    },
    {
      name: 'search_result → its title, source and text',
      content: [
        {
          type: 'search_result',
          title: 'Doc',
          source: 'https://x.test',
          content: [{ type: 'text', text: 'body' }],
        },
      ],
      want: [{ type: 'text', text: 'Doc — https://x.test\nbody' }],
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      expect(blocks(row.content, row.role)).toEqual(row.want);
    });
  }
});

describe('tool_result', () => {
  const history = (result: Record<string, unknown>) =>
    decodeMessagesRequest({
      model: 'm',
      max_tokens: 10,
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_A', name: 'read_file', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_A', ...result }] },
      ],
    }).messages[2]?.content[0];

  it('string content, with the name looked up from the earlier tool_use', () => {
    expect(history({ content: 'data' })).toEqual({
      type: 'tool_result',
      toolUseId: 'toolu_A',
      name: 'read_file',
      content: [{ type: 'text', text: 'data' }],
    });
  });

  it('blocks with text joined by newlines, images kept, is_error carried', () => {
    expect(
      history({
        is_error: true,
        content: [
          { type: 'text', text: 'line 1' },
          image({ type: 'base64', media_type: 'image/jpeg', data: PNG }),
          { type: 'text', text: 'line 2', cache_control: { type: 'ephemeral' } },
        ],
      }),
    ).toEqual({
      type: 'tool_result',
      toolUseId: 'toolu_A',
      name: 'read_file',
      isError: true,
      content: [
        { type: 'text', text: 'line 1\nline 2' },
        { type: 'image', mediaType: 'image/jpeg', data: PNG },
      ],
    });
  });

  it('absent content → empty content', () => {
    expect(history({})).toEqual({
      type: 'tool_result',
      toolUseId: 'toolu_A',
      name: 'read_file',
      content: [],
    });
  });

  it('an unknown id gets no name', () => {
    const req = decodeMessagesRequest({
      model: 'm',
      max_tokens: 10,
      messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'nope', content: 'x' }] }],
    });
    expect(req.messages[0]?.content[0]).not.toHaveProperty('name');
  });
});

describe('content refusals (§C.6)', () => {
  const rows: Array<{ name: string; content: unknown; param: string; message: RegExp }> = [
    {
      name: 'image URL',
      content: [image({ type: 'url', url: 'https://x.test/a.png' })],
      param: 'messages.0.content.0.source',
      message: /image URLs are not supported.*base64/,
    },
    {
      name: 'image file id',
      content: [image({ type: 'file', file_id: 'file_1' })],
      param: 'messages.0.content.0.source',
      message: /"file" is not supported; send base64/,
    },
    {
      name: 'image media type',
      content: [image({ type: 'base64', media_type: 'image/bmp', data: PNG })],
      param: 'messages.0.content.0.source.media_type',
      message: /'image\/jpeg', 'image\/png', 'image\/gif' or 'image\/webp'/,
    },
    {
      name: 'image data not base64',
      content: [image({ type: 'base64', media_type: 'image/png', data: 'not base64!' })],
      param: 'messages.0.content.0.source.data',
      message: /not valid base64/,
    },
    {
      name: 'PDF document',
      content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PNG } }],
      param: 'messages.0.content.0.source',
      message: /PDF documents are not supported.*text\/plain/,
    },
    {
      name: 'block without type',
      content: [{ text: 'x' }],
      param: 'messages.0.content.0.type',
      message: /Field required/,
    },
    {
      name: 'tool_use input not an object',
      content: [{ type: 'tool_use', id: 'a', name: 'x', input: '{"a":1}' }],
      param: 'messages.0.content.0.input',
      message: /expected an object, got a string/,
    },
  ];
  for (const row of rows) {
    it(`400 for ${row.name}`, () => {
      const err = failure(row.content);
      expect(err.kind).toBe('invalid_request');
      expect(err.param).toBe(row.param);
      expect(err.message).toMatch(row.message);
    });
  }
});
