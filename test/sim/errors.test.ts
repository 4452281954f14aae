// §8 item 3 of reference/ollama-api.md: error texts and statuses of §3.2 and §2.10.
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, post, startSim, user } from './helpers.js';

afterEach(closeAll);

const msgs = [user('hi')];

describe('native error catalogue (§3.2)', () => {
  const cases: Array<[string, string, unknown, number, string]> = [
    ['empty body', '/api/chat', '', 400, 'missing request body'],
    ['whitespace body', '/api/generate', '  \n', 400, 'missing request body'],
    ['truncated JSON', '/api/chat', '{"model":', 400, 'unexpected EOF'],
    ['bad JSON', '/api/chat', 'x', 400, "invalid character 'x' looking for beginning of value"],
    [
      'wrong type',
      '/api/chat',
      '{"model":"llama3.2","stream":"no"}',
      400,
      'json: cannot unmarshal string into Go struct field ChatRequest.stream of type bool',
    ],
    [
      'content as parts',
      '/api/chat',
      { model: 'llama3.2', messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] },
      400,
      'json: cannot unmarshal array into Go struct field Message.messages.content of type string',
    ],
    ['null body on chat', '/api/chat', 'null', 400, 'model is required'],
    ['chat empty model', '/api/chat', { model: '  ', messages: msgs }, 400, 'model is required'],
    ['generate empty model', '/api/generate', { prompt: 'x' }, 404, "model '' not found"],
    ['chat unknown model', '/api/chat', { model: 'llama9', messages: msgs }, 404, "model 'llama9' not found"],
    [
      'generate unknown model',
      '/api/generate',
      { model: 'Llama9', prompt: 'x' },
      404,
      "model 'Llama9' not found",
    ],
    ['embed empty model', '/api/embed', { input: 'x' }, 404, "model '' not found"],
    [
      'embed unknown model',
      '/api/embed',
      { model: 'llama9', input: 'x' },
      404,
      'model "llama9" not found, try pulling it first',
    ],
    ['embeddings empty model', '/api/embeddings', { prompt: 'x' }, 400, 'model is required'],
    [
      'embeddings unknown model',
      '/api/embeddings',
      { model: 'llama9', prompt: 'x' },
      404,
      'model "llama9" not found, try pulling it first',
    ],
    [
      'embed invalid input type',
      '/api/embed',
      { model: 'all-minilm', input: [1, 2] },
      400,
      'invalid input type',
    ],
    [
      'top_logprobs too high',
      '/api/chat',
      { model: 'llama3.2', messages: msgs, top_logprobs: 21 },
      400,
      'top_logprobs must be between 0 and 20',
    ],
    [
      'top_logprobs negative',
      '/api/generate',
      { model: 'llama3.2', prompt: 'x', top_logprobs: -1 },
      400,
      'top_logprobs must be between 0 and 20',
    ],
    [
      'keep_alive bare number string',
      '/api/chat',
      { model: 'llama3.2', messages: msgs, keep_alive: '300' },
      400,
      'time: missing unit in duration "300"',
    ],
    [
      'keep_alive bool',
      '/api/generate',
      { model: 'llama3.2', prompt: 'x', keep_alive: true },
      400,
      "Unsupported type: 'bool'",
    ],
    [
      'bad think value',
      '/api/chat',
      { model: 'qwen3:8b', messages: msgs, think: 'hard' },
      400,
      'invalid think value: "hard" (must be "high", "medium", "low", "max", true, or false)',
    ],
    [
      'raw with system',
      '/api/generate',
      { model: 'llama3.2', prompt: 'x', raw: true, system: 's' },
      400,
      'raw mode does not support template, system, or context',
    ],
  ];
  it.each(cases)('%s', async (_name, path, body, status, message) => {
    const r = await post(await startSim(), path, body);
    expect(r.status).toBe(status);
    expect(r.contentType).toBe('application/json; charset=utf-8');
    expect(JSON.parse(r.text)).toEqual({ error: message });
  });
});

describe('capability errors (§2.10)', () => {
  const cases: Array<[string, string, unknown, string]> = [
    [
      'chat on an embedding model',
      '/api/chat',
      { model: 'all-minilm', messages: msgs },
      '"all-minilm" does not support chat',
    ],
    [
      'generate on an embedding model',
      '/api/generate',
      { model: 'all-minilm', prompt: 'x' },
      '"all-minilm" does not support generate',
    ],
    [
      'tools without tool support',
      '/api/chat',
      { model: 'llava:7b', messages: msgs, tools: [{ type: 'function', function: { name: 'f' } }] },
      'registry.ollama.ai/library/llava:7b does not support tools',
    ],
    [
      'think on a non-thinking model',
      '/api/chat',
      { model: 'llama3.2', messages: msgs, think: true },
      '"llama3.2" does not support thinking',
    ],
    [
      'think level on a non-thinking model',
      '/api/generate',
      { model: 'llama3.2', prompt: 'x', think: 'high' },
      '"llama3.2" does not support thinking',
    ],
    [
      'suffix without insert',
      '/api/generate',
      { model: 'llama3.2', prompt: 'x', suffix: 'y' },
      'registry.ollama.ai/library/llama3.2:latest does not support insert',
    ],
  ];
  it.each(cases)('%s → 400', async (_name, path, body, message) => {
    const r = await post(await startSim(), path, body);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toEqual({ error: message });
  });

  it('think:false on a non-thinking model is fine', async () => {
    const r = await post(await startSim(), '/api/chat', {
      model: 'llama3.2',
      messages: msgs,
      think: false,
      stream: false,
    });
    expect(r.status).toBe(200);
  });

  it('an invalid format fails with 500 from the streaming path (application/json, no charset)', async () => {
    const r = await post(await startSim(), '/api/chat', { model: 'llama3.2', messages: msgs, format: 'xml' });
    expect(r.status).toBe(500);
    expect(r.contentType).toBe('application/json');
    expect(JSON.parse(r.text)).toEqual({
      error: 'invalid format: "xml"; expected "json" or a valid JSON Schema object',
    });
  });
});
