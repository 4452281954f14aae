// client-apis.md §D at the HTTP level, OpenAI side: one test per public gateway bug, named after
// it, on the raw wire and on what Ollama received.
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { messagesOf, nextChat, parseSse } from '../helpers/conformance.js';
import { postJson, sharedStack } from '../helpers/stack.js';

const stack = sharedStack();

interface Chunk {
  choices: Array<{
    delta: {
      role?: string;
      content?: string | null;
      tool_calls?: Array<{
        index?: number;
        id?: string;
        type?: string;
        function?: { name?: string; arguments?: string };
      }>;
    };
    finish_reason: string | null;
  }>;
}

const tool = (name: string) => ({
  type: 'function' as const,
  function: { name, parameters: { type: 'object', properties: { path: { type: 'string' } } } },
});

async function streamChunks(body: Record<string, unknown>): Promise<{ chunks: Chunk[]; done: boolean }> {
  const res = await postJson(`${stack.url}/v1/chat/completions`, { ...body, stream: true });
  expect(res.status).toBe(200);
  const events = parseSse(await res.text());
  const done = events.at(-1)?.data === '[DONE]';
  return { chunks: events.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data) as Chunk), done };
}

function toolDeltas(chunks: Chunk[]) {
  return chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
}

function finishOf(chunks: Chunk[]): string | null | undefined {
  return chunks.map((c) => c.choices[0]?.finish_reason).find((f) => f);
}

describe('client-apis.md §D over HTTP, OpenAI side', () => {
  it('ollama/ollama#7881 → #15457: two parallel streamed calls carry index 0 and 1, type, id and string arguments', async () => {
    const { chunks, done } = await streamChunks({
      model: 'llama3.2',
      tools: [tool('read')],
      messages: [
        { role: 'user', content: 'x [[sim:tool read {"path":"a"}]] [[sim:tool read {"path":"b"}]]' },
      ],
    });
    const deltas = toolDeltas(chunks);
    expect(deltas.map((d) => d.index)).toEqual([0, 1]);
    for (const d of deltas) {
      expect(d.type).toBe('function');
      expect(d.id).toMatch(/^[a-zA-Z0-9_-]+$/);
      expect(typeof d.function?.arguments).toBe('string');
    }
    expect(deltas.map((d) => JSON.parse(d.function?.arguments ?? '') as unknown)).toEqual([
      { path: 'a' },
      { path: 'b' },
    ]);
    expect(done).toBe(true);
  });

  it('BerriAI/litellm#33678: glued parallel arguments in the history are a 400 naming the message', async () => {
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const err: unknown = await client.chat.completions
      .create({
        model: 'llama3.2',
        messages: [
          { role: 'user', content: 'read a and b' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'c1',
                type: 'function',
                function: { name: 'read', arguments: '{"path":"a"}{"path":"b"}' },
              },
            ],
          },
          { role: 'tool', tool_call_id: 'c1', content: 'x' },
        ],
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const e = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect(e.type).toBe('invalid_request_error');
    expect(e.message).toMatch(/messages\[1\]/);
  });

  it('open-webui/open-webui PR#20933: a turn with tool calls finishes with tool_calls, streamed and not', async () => {
    const body = {
      model: 'llama3.2',
      tools: [tool('read')],
      messages: [{ role: 'user', content: 'x [[sim:reply Sure.]] [[sim:tool read {"path":"c"}]]' }],
    };
    const plain = (await (await postJson(`${stack.url}/v1/chat/completions`, body)).json()) as {
      choices: Array<{ finish_reason: string }>;
    };
    expect(plain.choices[0]!.finish_reason).toBe('tool_calls');
    expect(finishOf((await streamChunks(body)).chunks)).toBe('tool_calls');
  });

  it('BerriAI/litellm#25825 (raw): done_reason length is finish_reason length, streamed and not', async () => {
    const body = {
      model: 'llama3.2',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'x [[sim:long 100]]' }],
    };
    const plain = (await (await postJson(`${stack.url}/v1/chat/completions`, body)).json()) as {
      choices: Array<{ finish_reason: string }>;
    };
    expect(plain.choices[0]!.finish_reason).toBe('length');
    expect(finishOf((await streamChunks(body)).chunks)).toBe('length');
  });

  it('router-for-me/CLIProxyAPI#1872 (OpenAI): a tool named fs.readFile gets replay-safe, distinct ids', async () => {
    const body = {
      model: 'llama3.2',
      tools: [tool('fs.readFile')],
      messages: [
        {
          role: 'user',
          content: 'x [[sim:tool fs.readFile {"path":"d"}]] [[sim:tool fs.readFile {"path":"e"}]]',
        },
      ],
    };
    const plain = (await (await postJson(`${stack.url}/v1/chat/completions`, body)).json()) as {
      choices: Array<{ message: { tool_calls: Array<{ id: string }> } }>;
    };
    const streamed = toolDeltas((await streamChunks(body)).chunks).map((d) => d.id ?? '');
    // Unique within a response (the emulator's upstream ids are deterministic across requests).
    for (const ids of [plain.choices[0]!.message.tool_calls.map((c) => c.id), streamed]) {
      expect(ids).toHaveLength(2);
      for (const id of ids) expect(id).toMatch(/^[a-zA-Z0-9_-]+$/);
      expect(new Set(ids).size).toBe(2);
    }
  });

  it('pydantic/pydantic-ai#5206 and vercel/ai PR#12390: content null beside tool_calls reaches Ollama as "" on every turn', async () => {
    const upstream = nextChat(stack.hosts[0]!);
    const call = (id: string, path: string) => ({
      id,
      type: 'function' as const,
      function: { name: 'read', arguments: JSON.stringify({ path }) },
    });
    const res = await postJson(`${stack.url}/v1/chat/completions`, {
      model: 'llama3.2',
      tools: [tool('read')],
      messages: [
        { role: 'user', content: 'read f' },
        { role: 'assistant', content: null, tool_calls: [call('call_f', 'f')] },
        { role: 'tool', tool_call_id: 'call_f', content: 'F' },
        { role: 'assistant', content: null, tool_calls: [call('call_g', 'g')] },
        { role: 'tool', tool_call_id: 'call_g', content: 'G' },
        { role: 'user', content: 'done? [[sim:reply yes]]' },
      ],
    });
    expect(res.status).toBe(200);
    const messages = messagesOf(await upstream);
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'tool', 'user']);
    for (const i of [1, 3]) expect(messages[i]!.content).toBe('');
    expect(messages[2]).toMatchObject({ tool_call_id: 'call_f', tool_name: 'read' });
    expect(messages[4]).toMatchObject({ tool_call_id: 'call_g', tool_name: 'read' });
  });
});
