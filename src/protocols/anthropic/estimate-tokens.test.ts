import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../core/chat.js';
import { estimateInputTokens, estimateTextTokens, IMAGE_TOKEN_ESTIMATE } from './estimate-tokens.js';

const request = (over: Partial<ChatRequest> = {}): ChatRequest => ({
  kind: 'chat',
  model: 'm',
  system: [],
  messages: [],
  tools: [],
  sampling: {},
  stream: false,
  ...over,
});

describe('estimateTextTokens', () => {
  const rows: Array<[string, number]> = [
    ['', 0],
    ['abc', 1],
    ['abcd', 2],
    ['x'.repeat(300), 100],
    ['日本語', 3],
    ['🦙', 2],
  ];
  for (const [text, want] of rows) {
    it(`${JSON.stringify(text.slice(0, 10))} → ${want}`, () => {
      expect(estimateTextTokens(text)).toBe(want);
    });
  }
});

describe('estimateInputTokens', () => {
  it('counts system, messages of every block kind, and tools, plus fixed overheads', () => {
    const req = request({
      system: [{ type: 'text', text: 'abcdef' }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'abc' },
            { type: 'image', mediaType: 'image/png', data: 'AAAA' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'abc' },
            { type: 'tool_use', id: 't', name: 'abc', input: { a: 1 } },
          ],
        },
        {
          role: 'user',
          content: [{ type: 'tool_result', toolUseId: 't', content: [{ type: 'text', text: 'abc' }] }],
        },
      ],
      tools: [{ name: 'abc', description: 'abc', inputSchema: { type: 'object' } }],
    });
    // 3 request + (2 system + 4) + (4 + 1 + image) + (4 + 1 + 1 + ceil(7/3)=3) + (4 + 4 + 1) + (8 + 1 + 1 + ceil(17/3)=6)
    expect(estimateInputTokens(req)).toBe(3 + 6 + (5 + IMAGE_TOKEN_ESTIMATE) + 9 + 9 + 16);
  });

  it('is small but positive for an empty request', () => {
    expect(estimateInputTokens(request())).toBe(3);
  });
});
