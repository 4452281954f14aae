/** Request shapes Claude Code sends (reference/real-clients.md), decoded as the gateway must. */
import { describe, expect, it } from 'vitest';
import { decodeCountTokensRequest, decodeMessagesRequest } from './decode-request.js';
import { estimateInputTokens } from './estimate-tokens.js';

const BILLING = 'x-anthropic-billing-header: cc_version=2.1.332.a1b; cc_entrypoint=cli; cch=5f2e1;';
const ephemeral = { type: 'ephemeral', ttl: '1h' };
const tool = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  description: `${name} tool`,
  input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  ...extra,
});

describe('Claude Code requests', () => {
  it('decodes a first turn: billing header stripped, environment system message kept after the user turn', () => {
    const req = decodeMessagesRequest({
      model: 'claude-opus-4-8',
      max_tokens: 32000,
      stream: true,
      system: [
        { type: 'text', text: BILLING },
        { type: 'text', text: 'You are Claude Code.', cache_control: ephemeral },
        { type: 'text', text: 'Tool rules…', cache_control: ephemeral },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: '<system-reminder>context</system-reminder>' },
            { type: 'text', text: 'fix the bug', cache_control: ephemeral },
          ],
        },
        { role: 'system', content: 'Environment: linux, cwd /repo' },
      ],
      tools: [tool('Read'), tool('mcp__db__query', { defer_loading: true }), tool('ToolSearch')],
      thinking: { type: 'adaptive', display: 'omitted' },
      metadata: { user_id: '{"device_id":"d","session_id":"s"}' },
      context_management: { edits: [] },
    });
    expect(req.system).toEqual([
      { type: 'text', text: 'You are Claude Code.' },
      { type: 'text', text: 'Tool rules…' },
    ]);
    expect(req.messages.at(-1)).toEqual({
      role: 'system',
      content: [{ type: 'text', text: 'Environment: linux, cwd /repo' }],
    });
    expect(req.tools.map((t) => t.name)).toEqual(['Read', 'mcp__db__query', 'ToolSearch']);
    expect(req.think).toBe(true);
    expect(req.sampling.maxOutputTokens).toBe(32000);
    expect(req.stream).toBe(true);
  });

  const billingRows: Array<[string, unknown, unknown[]]> = [
    [
      'its own block',
      [
        { type: 'text', text: BILLING },
        { type: 'text', text: 'rest' },
      ],
      ['rest'],
    ],
    ['the first line of a string system', `${BILLING}\nYou are helpful.`, ['You are helpful.']],
    [
      'the first line of a block with more text',
      [{ type: 'text', text: `${BILLING}\n\nBe brief.` }],
      ['Be brief.'],
    ],
    ['a string that is only the header', BILLING, []],
    ['no header at all', 'x-anthropic is mentioned later', ['x-anthropic is mentioned later']],
  ];
  for (const [name, system, want] of billingRows) {
    it(`strips the billing header when it is ${name}`, () => {
      const req = decodeMessagesRequest({
        model: 'm',
        max_tokens: 1,
        system,
        messages: [{ role: 'user', content: 'q' }],
      });
      expect(req.system.map((b) => b.text)).toEqual(want);
    });
  }

  it('merges system messages before the first turn into the system prompt, header stripped there too', () => {
    const req = decodeMessagesRequest({
      model: 'm',
      max_tokens: 1,
      system: 'top',
      messages: [
        {
          role: 'system',
          content: [
            { type: 'text', text: BILLING },
            { type: 'text', text: 'leading' },
          ],
        },
        { role: 'user', content: 'q' },
      ],
    });
    expect(req.system.map((b) => b.text)).toEqual(['top', 'leading']);
    expect(req.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'q' }] }]);
  });

  it('renders tool_reference blocks from its tool search as text, one line per tool', () => {
    const req = decodeMessagesRequest({
      model: 'm',
      max_tokens: 1,
      messages: [
        { role: 'user', content: 'query the db' },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'toolu_s', name: 'ToolSearch', input: { query: 'db' } }],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'toolu_s',
              content: [
                { type: 'tool_reference', tool_name: 'mcp__db__query' },
                { type: 'tool_reference', tool_name: 'mcp__db__schema' },
              ],
            },
          ],
        },
      ],
    });
    expect(req.messages[2]?.content).toEqual([
      {
        type: 'tool_result',
        toolUseId: 'toolu_s',
        name: 'ToolSearch',
        content: [{ type: 'text', text: 'Tool loaded: mcp__db__query\nTool loaded: mcp__db__schema' }],
      },
    ]);
  });

  it('accepts its count_tokens body {model, messages, tools: []} and counts it', () => {
    const req = decodeCountTokensRequest({
      model: 'claude-sonnet-5',
      messages: [{ role: 'user', content: 'hello there' }],
      tools: [],
    });
    expect(req.messages).toHaveLength(1);
    expect(estimateInputTokens(req)).toBeGreaterThan(4);
  });

  it('counts a ~12k-token first request (big tools array) in the right range', () => {
    const tools = Array.from({ length: 40 }, (_, i) =>
      tool(`Tool${i}`, { description: 'Reads a file from the local filesystem. '.repeat(20) }),
    );
    const req = decodeCountTokensRequest({
      model: 'm',
      system: 'You are Claude Code. '.repeat(200),
      messages: [{ role: 'user', content: 'hi' }],
      tools,
    });
    const estimate = estimateInputTokens(req);
    expect(estimate).toBeGreaterThan(8000);
    expect(estimate).toBeLessThan(20000);
  });
});
