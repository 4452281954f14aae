// client-apis.md §D at the HTTP level, Anthropic side: one test per public gateway bug, named
// after it, on the raw wire (what Claude Code parses) and on what Ollama received.
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { messagesOf, nextChat, parseSse } from '../helpers/conformance.js';
import { postJson, sharedStack } from '../helpers/stack.js';

const stack = sharedStack();

interface Frame {
  type: string;
  index?: number;
  content_block?: { type: string; id?: string; name?: string; text?: string };
  delta?: { type?: string; text?: string; partial_json?: string; thinking?: string; stop_reason?: string };
  usage?: { output_tokens?: number };
}

const tool = (name: string) => ({
  name,
  input_schema: { type: 'object' as const, properties: { path: { type: 'string' } } },
});

/** Streams a request on /v1/messages and returns its frames (pings dropped). */
async function streamFrames(body: Record<string, unknown>): Promise<Frame[]> {
  const res = await postJson(`${stack.url}/v1/messages`, { max_tokens: 500, ...body, stream: true });
  expect(res.status).toBe(200);
  return parseSse(await res.text())
    .map((e) => JSON.parse(e.data) as Frame)
    .filter((f) => f.type !== 'ping');
}

/** Asserts the block grammar of §A.7: dense indexes from 0, one open block, deltas of the block's type. */
function expectBlockGrammar(frames: Frame[]): void {
  let open: { index: number; type: string } | undefined;
  let next = 0;
  const deltaFor: Record<string, string> = {
    text: 'text_delta',
    thinking: 'thinking_delta',
    tool_use: 'input_json_delta',
  };
  for (const f of frames) {
    if (f.type === 'content_block_start') {
      expect(open).toBeUndefined();
      expect(f.index).toBe(next++);
      open = { index: f.index!, type: f.content_block!.type };
    } else if (f.type === 'content_block_delta') {
      expect(f.index).toBe(open?.index);
      if (f.delta?.type !== 'signature_delta') expect(f.delta?.type).toBe(deltaFor[open!.type]);
    } else if (f.type === 'content_block_stop') {
      expect(f.index).toBe(open?.index);
      open = undefined;
    }
  }
  expect(open).toBeUndefined();
}

function blockTypes(frames: Frame[]): string[] {
  return frames.flatMap((f) => (f.type === 'content_block_start' ? [f.content_block!.type] : []));
}

describe('client-apis.md §D over HTTP, Anthropic side', () => {
  it('BerriAI/litellm PR#13638: streamed tool arguments travel as input_json_delta, never text_delta', async () => {
    const frames = await streamFrames({
      model: 'llama3.2',
      tools: [tool('write_file')],
      messages: [{ role: 'user', content: 'x [[sim:tool write_file {"path":"a.txt"}]]' }],
    });
    expectBlockGrammar(frames);
    const json = frames.filter((f) => f.delta?.type === 'input_json_delta').map((f) => f.delta!.partial_json);
    expect(JSON.parse(json.join(''))).toEqual({ path: 'a.txt' });
    expect(frames.some((f) => f.delta?.type === 'text_delta')).toBe(false);
  });

  it('sgl-project/sglang#26795: text and a tool call are separate blocks; no text_delta reaches the tool_use index', async () => {
    const frames = await streamFrames({
      model: 'llama3.2',
      tools: [tool('read')],
      messages: [{ role: 'user', content: 'x [[sim:reply Let me look.]] [[sim:tool read {"path":"b"}]]' }],
    });
    expectBlockGrammar(frames);
    expect(blockTypes(frames)).toEqual(['text', 'tool_use']);
  });

  it('ollama/ollama#17101: thinking → text → tool gives increasing indexes with paired start/stop', async () => {
    const frames = await streamFrames({
      model: 'qwen3:8b',
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [tool('read')],
      messages: [
        {
          role: 'user',
          content: 'x [[sim:think hmm]] [[sim:reply Reading.]] [[sim:tool read {"path":"c"}]]',
        },
      ],
    });
    expectBlockGrammar(frames);
    expect(blockTypes(frames)).toEqual(['thinking', 'text', 'tool_use']);
    expect(frames.filter((f) => f.type === 'message_start')).toHaveLength(1);
  });

  it('earendil-works/pi#6567: message_delta always carries usage.output_tokens (end_turn, tool_use, max_tokens)', async () => {
    const cases = [
      { content: 'x [[sim:reply done]]', stop: 'end_turn' },
      { content: 'x [[sim:tool read {"path":"d"}]]', stop: 'tool_use' },
      { content: 'x [[sim:long 100]]', stop: 'max_tokens', max_tokens: 5 },
    ];
    for (const c of cases) {
      const frames = await streamFrames({
        model: 'llama3.2',
        tools: [tool('read')],
        messages: [{ role: 'user', content: c.content }],
        ...(c.max_tokens ? { max_tokens: c.max_tokens } : {}),
      });
      const delta = frames.find((f) => f.type === 'message_delta');
      expect(delta?.delta?.stop_reason).toBe(c.stop);
      expect(typeof delta?.usage?.output_tokens).toBe('number');
    }
  });

  it('open-webui/open-webui PR#20933: a turn with tool calls stops with tool_use, streamed and not', async () => {
    const body = {
      model: 'llama3.2',
      max_tokens: 100,
      tools: [tool('read')],
      messages: [{ role: 'user', content: 'x [[sim:reply Sure.]] [[sim:tool read {"path":"e"}]]' }],
    };
    const plain = await postJson(`${stack.url}/v1/messages`, body);
    expect(((await plain.json()) as { stop_reason: string }).stop_reason).toBe('tool_use');
    const frames = await streamFrames(body);
    expect(frames.find((f) => f.type === 'message_delta')?.delta?.stop_reason).toBe('tool_use');
  });

  it('router-for-me/CLIProxyAPI#1872: a tool named fs.readFile gets ids matching ^[a-zA-Z0-9_-]+$', async () => {
    const body = {
      model: 'llama3.2',
      max_tokens: 100,
      tools: [tool('fs.readFile')],
      messages: [
        {
          role: 'user',
          content: 'x [[sim:tool fs.readFile {"path":"f"}]] [[sim:tool fs.readFile {"path":"g"}]]',
        },
      ],
    };
    const plain = (await (await postJson(`${stack.url}/v1/messages`, body)).json()) as {
      content: Array<{ type: string; id?: string; name?: string }>;
    };
    const streamed = (await streamFrames(body)).flatMap((f) =>
      f.content_block?.type === 'tool_use' ? [f.content_block] : [],
    );
    const calls = [...plain.content.filter((b) => b.type === 'tool_use'), ...streamed];
    expect(calls).toHaveLength(4);
    for (const c of calls) {
      expect(c.name).toBe('fs.readFile');
      expect(c.id).toMatch(/^[a-zA-Z0-9_-]+$/);
    }
    expect(new Set(calls.map((c) => c.id)).size).toBe(4);
  });

  it('ollama/ollama#16372: SDK 1.x role:"system" messages inside messages are accepted and kept in place', async () => {
    const client = new Anthropic({ baseURL: stack.url, apiKey: 'k', maxRetries: 0 });
    const upstream = nextChat(stack.hosts[0]!);
    const message = await client.messages.create({
      model: 'llama3.2',
      max_tokens: 50,
      messages: [
        { role: 'system', content: 'Leading rules.' },
        { role: 'user', content: 'hi [[sim:reply hello]]' },
        { role: 'system', content: [{ type: 'text', text: 'Environment: linux' }] },
      ],
    });
    expect(message.content).toEqual([expect.objectContaining({ text: 'hello' })]);
    expect(messagesOf(await upstream).map((m) => [m.role, m.content])).toEqual([
      ['system', 'Leading rules.'],
      ['user', 'hi [[sim:reply hello]]'],
      ['system', 'Environment: linux'],
    ]);
  });

  it('BerriAI/litellm PR#38790: cache_control with ttl on system, blocks, tools and tool_result content is accepted and dropped', async () => {
    const cc = { type: 'ephemeral', ttl: '1h' };
    const upstream = nextChat(stack.hosts[0]!);
    const res = await postJson(`${stack.url}/v1/messages`, {
      model: 'llama3.2',
      max_tokens: 50,
      cache_control: cc,
      system: [{ type: 'text', text: 'sys', cache_control: cc }],
      tools: [{ ...tool('read'), cache_control: cc }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'read it', cache_control: cc }] },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'toolu_1', name: 'read', input: {}, cache_control: cc }],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'toolu_1',
              cache_control: cc,
              content: [{ type: 'text', text: 'file body', cache_control: cc }],
            },
          ],
        },
      ],
    });
    expect(res.status).toBe(200);
    const received = await upstream;
    expect(JSON.stringify(received.json)).not.toContain('cache_control');
    expect(messagesOf(received).at(-1)).toMatchObject({
      role: 'tool',
      content: 'file body',
      tool_name: 'read',
    });
  });

  it('mnfst/llm-gateway#1658: thinking blocks in history map to Ollama thinking; signatures and redacted_thinking are not forwarded', async () => {
    const upstream = nextChat(stack.hosts[0]!);
    const res = await postJson(`${stack.url}/v1/messages`, {
      model: 'qwen3:8b',
      max_tokens: 50,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: 'first' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'I considered it.', signature: '' },
            { type: 'redacted_thinking', data: 'opaque-bytes' },
            { type: 'text', text: 'Answer one.' },
          ],
        },
        { role: 'user', content: 'second [[sim:reply ok]]' },
      ],
    });
    expect(res.status).toBe(200);
    const received = await upstream;
    expect(messagesOf(received)[1]).toMatchObject({
      role: 'assistant',
      content: 'Answer one.',
      thinking: 'I considered it.',
    });
    const raw = JSON.stringify(received.json);
    expect(raw).not.toContain('signature');
    expect(raw).not.toContain('opaque-bytes');
  });

  it('experientiallabs/experiential PR#804: no empty or whitespace-only text block beside a tool_use, streamed and not', async () => {
    const body = {
      model: 'llama3.2',
      max_tokens: 100,
      tools: [tool('read')],
      messages: [{ role: 'user', content: 'x [[sim:tool read {"path":"h"}]]' }],
    };
    const plain = (await (await postJson(`${stack.url}/v1/messages`, body)).json()) as {
      content: Array<{ type: string }>;
    };
    expect(plain.content.map((b) => b.type)).toEqual(['tool_use']);
    expect(blockTypes(await streamFrames(body))).toEqual(['tool_use']);
  });
});
