// Claude Code-style traffic (reference/real-clients.md): one realistic first turn sent with raw
// fetch and with the SDK, plus its count_tokens and model discovery calls.
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { messagesOf, nextChat, optionsOf, parseSse } from '../helpers/conformance.js';
import type { Received } from '../helpers/conformance.js';
import { postJson, sharedStack } from '../helpers/stack.js';

const stack = sharedStack();

const BILLING = 'x-anthropic-billing-header: cc_version=2.1.332.a1b; cc_entrypoint=cli; cch=5f2e1;';
const ephemeral1h = { type: 'ephemeral' as const, ttl: '1h' as const };
const BETAS = [
  'claude-code-20250219',
  'interleaved-thinking-2025-05-14',
  'context-management-2025-06-27',
  'fine-grained-tool-streaming-2025-05-14',
];
const HEADERS = {
  authorization: 'Bearer cc-token',
  'anthropic-version': '2023-06-01',
  'anthropic-beta': BETAS.join(','),
  'x-claude-code-session-id': '3f0c9d4e-session',
  'user-agent': 'claude-cli/2.1.332 (external, cli)',
  'x-app': 'cli',
};
const ENV = '<env>\nWorking directory: /repo\nPlatform: linux\n</env>';
const USER = 'List the files [[sim:tool Bash {"command":"ls -la","description":"List files"}]]';

function tool(name: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    description: `${name} tool: ${'long description '.repeat(20)}`,
    input_schema: {
      type: 'object' as const,
      properties: { command: { type: 'string' }, description: { type: 'string' } },
      required: ['command'],
    },
    ...extra,
  };
}

/** A first turn as Claude Code sends it. */
const firstTurn = {
  model: 'qwen3:8b',
  max_tokens: 32000,
  stream: true,
  system: [
    { type: 'text' as const, text: BILLING },
    { type: 'text' as const, text: 'You are Claude Code, a CLI for coding.', cache_control: ephemeral1h },
  ],
  messages: [
    {
      role: 'user' as const,
      content: [
        { type: 'text' as const, text: '<system-reminder>Today is Wednesday.</system-reminder>' },
        { type: 'text' as const, text: USER, cache_control: ephemeral1h },
      ],
    },
    { role: 'system' as const, content: ENV },
  ],
  tools: [
    tool('Bash'),
    tool('Read', { cache_control: ephemeral1h }),
    tool('mcp__db__query', { defer_loading: true }),
  ],
  metadata: {
    user_id: JSON.stringify({ device_id: 'dev-1', account_uuid: '', session_id: '3f0c9d4e-session' }),
  },
  thinking: { type: 'adaptive' as const, display: 'omitted' as const },
  context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
};

/** What Ollama must have received for `firstTurn`. */
function expectUpstream(received: Received): void {
  const messages = messagesOf(received);
  expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'system']);
  // Billing header stripped (it changes per conversation and would defeat Ollama's prompt cache).
  expect(messages[0]!.content).toBe('You are Claude Code, a CLI for coding.');
  expect(messages[1]!.content).toContain(USER);
  expect(messages[2]!.content).toBe(ENV);
  expect(optionsOf(received).num_predict).toBe(32000);
  expect(received.body.think).toBe(true);
  expect((received.body.tools as Array<{ function: { name: string } }>).map((t) => t.function.name)).toEqual([
    'Bash',
    'Read',
    'mcp__db__query',
  ]);
  // Nothing Anthropic-only leaks upstream.
  const raw = JSON.stringify(received.json);
  for (const leak of [
    'cache_control',
    'x-anthropic-billing-header',
    'metadata',
    'defer_loading',
    'context_management',
  ])
    expect(raw).not.toContain(leak);
}

describe('Claude Code-style traffic', () => {
  it('ollama/ollama#16372, raw fetch: ?beta=true, Bearer, several anthropic-beta values, system message after the user turn', async () => {
    const upstream = nextChat(stack.hosts[0]!);
    const res = await postJson(`${stack.url}/v1/messages?beta=true`, firstTurn, { headers: HEADERS });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('request-id')).toBeTruthy();
    const events = parseSse(await res.text());
    for (const e of events) expect((JSON.parse(e.data) as { type: string }).type).toBe(e.event);
    const names = events.map((e) => e.event).filter((n) => n !== 'ping');
    expect(names[0]).toBe('message_start');
    expect(names.slice(-2)).toEqual(['message_delta', 'message_stop']);
    const starts = events
      .filter((e) => e.event === 'content_block_start')
      .map((e) => JSON.parse(e.data) as { index: number; content_block: { type: string; name?: string } });
    expect(starts.map((s) => s.index)).toEqual(starts.map((_, i) => i));
    expect(starts.at(-1)!.content_block).toMatchObject({ type: 'tool_use', name: 'Bash' });
    const delta = JSON.parse(events.find((e) => e.event === 'message_delta')!.data) as {
      delta: { stop_reason: string };
      usage: { output_tokens: number };
    };
    expect(delta.delta.stop_reason).toBe('tool_use');
    expect(delta.usage.output_tokens).toBeGreaterThan(0);
    expectUpstream(await upstream);
  });

  it('SDK 1.x: the same request through messages.stream() with ?beta=true and authToken', async () => {
    const client = new Anthropic({
      baseURL: stack.url,
      authToken: 'cc-token',
      maxRetries: 0,
      defaultHeaders: { 'anthropic-beta': BETAS.join(','), 'x-claude-code-session-id': '3f0c9d4e-session' },
    });
    const upstream = nextChat(stack.hosts[0]!);
    const { stream: _stream, ...params } = firstTurn;
    const final = await client.messages.stream(params, { query: { beta: 'true' } }).finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    const call = final.content.find((b) => b.type === 'tool_use');
    expect(call).toMatchObject({ name: 'Bash', input: { command: 'ls -la', description: 'List files' } });
    expect(call?.type === 'tool_use' && call.id).toMatch(/^[a-zA-Z0-9_-]+$/);
    // No empty text blocks a client would replay (experientiallabs/experiential PR#804).
    for (const b of final.content) if (b.type === 'text') expect(b.text.trim()).not.toBe('');
    expectUpstream(await upstream);
  });

  it('count_tokens?beta=true with a {model, messages, tools: []} body and Bearer auth', async () => {
    const res = await postJson(
      `${stack.url}/v1/messages/count_tokens?beta=true`,
      { model: 'qwen3:8b', messages: firstTurn.messages, tools: [] },
      { headers: HEADERS },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { input_tokens: number };
    expect(body.input_tokens).toBeGreaterThan(0);
  });

  it('model discovery: GET /v1/models?limit=1000 lists the local models once', async () => {
    const res = await fetch(`${stack.url}/v1/models?limit=1000`, { headers: HEADERS });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: Array<{ id: string }>; has_more: boolean };
    expect(body.data.map((m) => m.id)).toContain('qwen3:8b');
    expect(body.has_more).toBe(false);
  });
});
