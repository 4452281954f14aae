// Pass-through fidelity: the gateway decodes every native request into canonical types and
// re-encodes the answer (DESIGN.md §2), so the chunks a client sees must equal what the emulator
// sends directly, apart from timestamps, durations and tool-call ids.
import { Ollama } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTANT, postJson, readNdjson, startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

const VOLATILE = new Set([
  'created_at',
  'total_duration',
  'load_duration',
  'prompt_eval_duration',
  'eval_duration',
]);

function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (VOLATILE.has(key)) continue;
    out[key] = key === 'id' && typeof v === 'string' && v.startsWith('call_') ? 'call_ID' : normalize(v);
  }
  return out;
}

let stack: Stack;
let direct: string;

beforeAll(async () => {
  stack = await startStack({ hosts: [INSTANT] });
  direct = stack.hosts[0]!.url;
});
afterAll(() => stack.close());

async function both(path: string, body: unknown): Promise<[unknown, unknown]> {
  const viaGateway = await postJson(stack.url + path, body);
  const fromEmulator = await postJson(direct + path, body);
  expect(viaGateway.status).toBe(fromEmulator.status);
  const stream = (body as { stream?: boolean }).stream !== false;
  const read = async (res: Response) =>
    normalize(stream && res.status === 200 ? await readNdjson(res) : await res.json());
  return [await read(viaGateway), await read(fromEmulator)];
}

const chatCases: Array<[string, Record<string, unknown>]> = [
  [
    'plain chat, streamed',
    { model: 'llama3.2', messages: [{ role: 'user', content: 'Tell me about queues' }] },
  ],
  [
    'plain chat, not streamed',
    { model: 'llama3.2', stream: false, messages: [{ role: 'user', content: 'Hello there' }] },
  ],
  [
    'system message, options and num_predict',
    {
      model: 'llama3.2',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Count to ten' },
      ],
      options: { num_predict: 5, temperature: 0.2, seed: 7, repeat_penalty: 1.1 },
    },
  ],
  [
    'tool call',
    {
      model: 'llama3.2',
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ],
      messages: [{ role: 'user', content: 'Weather? [[sim:tool get_weather {"city":"Paris"}]]' }],
    },
  ],
  [
    'parallel tool calls on the final chunk, not streamed',
    {
      model: 'llama3.2',
      stream: false,
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      messages: [{ role: 'user', content: 'x [[sim:tool_final f {"a":1}]] [[sim:tool_final f {"a":2}]]' }],
    },
  ],
  [
    'tool result round trip',
    {
      model: 'llama3.2',
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [
            {
              id: 'call_abc12345',
              function: { index: 0, name: 'get_weather', arguments: { city: 'Paris' } },
            },
          ],
        },
        { role: 'tool', content: '18 degrees', tool_name: 'get_weather', tool_call_id: 'call_abc12345' },
        // LangChain's ChatOllama sends tool messages with neither id nor name (real-clients.md).
        { role: 'tool', content: 'sunny' },
      ],
    },
  ],
  ['thinking model', { model: 'qwen3:8b', messages: [{ role: 'user', content: 'Think first' }] }],
  [
    'thinking off',
    { model: 'qwen3:8b', think: false, stream: false, messages: [{ role: 'user', content: 'No thinking' }] },
  ],
  [
    'json format',
    { model: 'llama3.2', format: 'json', stream: false, messages: [{ role: 'user', content: 'Give JSON' }] },
  ],
  [
    'image',
    { model: 'llava:7b', messages: [{ role: 'user', content: 'What is it?', images: ['iVBORw0KGgo='] }] },
  ],
  ['load reply', { model: 'llama3.2', messages: [] }],
];

describe('native /api/chat through the gateway', () => {
  it.each(chatCases)('%s', async (_name, body) => {
    const [gateway, emulator] = await both('/api/chat', body);
    expect(gateway).toEqual(emulator);
  });

  it('mid-stream failure ends with the same error line and no done line', async () => {
    const body = { model: 'llama3.2', messages: [{ role: 'user', content: 'go [[sim:fail_after 2 boom]]' }] };
    const [gateway, emulator] = await both('/api/chat', body);
    expect(gateway).toEqual(emulator);
    const lines = gateway as Array<Record<string, unknown>>;
    expect(lines.at(-1)).toHaveProperty('error');
    expect(lines.some((l) => l.done === true)).toBe(false);
  });
});

describe('native /api/generate and embeddings through the gateway', () => {
  it.each<[string, Record<string, unknown>]>([
    ['streamed', { model: 'llama3.2', prompt: 'Why is the sky blue?' }],
    [
      'not streamed, with system and suffix-free options',
      { model: 'llama3.2', prompt: 'Hi', system: 'Terse.', stream: false, options: { num_predict: 4 } },
    ],
    ['raw', { model: 'llama3.2', prompt: 'Complete: 1 2 3', raw: true, stream: false }],
  ])('generate %s', async (_name, body) => {
    const [gateway, emulator] = await both('/api/generate', body);
    expect(gateway).toEqual(emulator);
  });

  it('embed', async () => {
    const [gateway, emulator] = await both('/api/embed', {
      model: 'all-minilm',
      input: ['a', 'b c'],
      stream: false,
    });
    expect(gateway).toEqual(emulator);
  });

  it('legacy embeddings', async () => {
    const [gateway, emulator] = await both('/api/embeddings', {
      model: 'all-minilm',
      prompt: 'hello',
      stream: false,
    });
    expect(gateway).toEqual(emulator);
  });

  it('upstream errors keep their status and text', async () => {
    const [gateway, emulator] = await both('/api/chat', {
      model: 'nope',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(gateway).toEqual(emulator);
    expect(gateway).toEqual({ error: "model 'nope' not found" });
  });
});

describe('the official ollama client against the gateway', () => {
  it('lists, shows, chats (streamed and not), generates and embeds', async () => {
    const client = new Ollama({ host: stack.url });
    const { models } = await client.list();
    expect(models.map((m) => m.name)).toContain('llama3.2:latest');

    const shown = await client.show({ model: 'llama3.2' });
    expect(shown.details.family).toBe('llama');

    const reply = await client.chat({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'Hello [[sim:reply Hi there!]]' }],
    });
    expect(reply.message.content).toBe('Hi there!');
    expect(reply.done_reason).toBe('stop');

    let text = '';
    let final;
    for await (const part of await client.chat({
      model: 'llama3.2',
      stream: true,
      messages: [{ role: 'user', content: 'Hello [[sim:reply one two three]]' }],
    })) {
      text += part.message.content;
      if (part.done) final = part;
    }
    expect(text).toBe('one two three');
    expect(final?.eval_count).toBeGreaterThan(0);

    const generated = await client.generate({ model: 'llama3.2', prompt: 'Say hi [[sim:reply hi]]' });
    expect(generated.response).toBe('hi');

    const embedded = await client.embed({ model: 'all-minilm', input: 'hello' });
    expect(embedded.embeddings).toHaveLength(1);
    expect(embedded.embeddings[0]!.length).toBeGreaterThan(0);

    const ps = await client.ps();
    expect(ps.models.map((m) => m.name)).toContain('all-minilm:latest');

    const version = await client.version();
    expect(version.version).toMatch(/\d+\.\d+/);
  });
});
