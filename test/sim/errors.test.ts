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

describe('invalid model names (§2.1, §3.2)', () => {
  // Names Ollama's model.ParseName cannot make fully qualified: bad characters, a ':' or '/'
  // with nothing after it, a leading '-', more than host/namespace/model parts, a part over 80.
  const badNames = ['bad name', 'llama3.2:', '-llama', 'a/b/c/d', 'ns.x/model', 'm'.repeat(81)];
  const endpoints: Array<[string, (model: string) => Record<string, unknown>]> = [
    ['/api/chat', (model) => ({ model, messages: msgs })],
    ['/api/generate', (model) => ({ model, prompt: 'x' })],
    ['/api/embed', (model) => ({ model, input: 'x' })],
    ['/api/embeddings', (model) => ({ model, prompt: 'x' })],
    ['/api/show', (model) => ({ model })],
  ];
  const cases = endpoints.flatMap(([path, body]) =>
    badNames.map((name) => [path, name, body(name)] as const),
  );

  it.each(cases)('%s %j → 400 invalid model name', async (path, _name, body) => {
    const emu = await startSim();
    const r = await post(emu, path, body);
    expect(r.status).toBe(400);
    expect(r.contentType).toBe('application/json; charset=utf-8');
    expect(JSON.parse(r.text)).toEqual({ error: 'invalid model name' });
    expect(emu.control.stats().loads).toBe(0);
  });

  it('well-formed names that are not installed are still 404s, with the name as sent', async () => {
    const emu = await startSim();
    const hf = 'hf.co/someone/Some-Model-GGUF:Q4_K_M';
    expect(JSON.parse((await post(emu, '/api/chat', { model: hf, messages: msgs })).text)).toEqual({
      error: `model '${hf}' not found`,
    });
    const withHost = 'http://localhost:5000/ns/model:tag';
    const r = await post(emu, '/api/generate', { model: withHost, prompt: 'x' });
    expect(r.status).toBe(404);
    // A :cloud/:local source suffix is set aside before the name is checked.
    expect((await post(emu, '/api/chat', { model: 'llama3.2:local', messages: msgs })).status).toBe(404);
    // An installed model with surrounding spaces is fine (Ollama trims the reference).
    expect(
      (await post(emu, '/api/chat', { model: ' llama3.2 ', messages: msgs, stream: false })).status,
    ).toBe(200);
  });

  it('checks top_logprobs before the name, and echoes a blank generate/embed model as sent', async () => {
    const emu = await startSim();
    const order = await post(emu, '/api/chat', { model: 'bad name', messages: msgs, top_logprobs: 99 });
    expect(JSON.parse(order.text)).toEqual({ error: 'top_logprobs must be between 0 and 20' });
    const blank = await post(emu, '/api/generate', { model: '  ', prompt: 'x' });
    expect(blank.status).toBe(404);
    expect(JSON.parse(blank.text)).toEqual({ error: "model '  ' not found" });
    const blankEmbed = await post(emu, '/api/embed', { model: ' ', input: 'x' });
    expect(JSON.parse(blankEmbed.text)).toEqual({ error: "model ' ' not found" });
  });
});

describe('option type errors (§2.7, §3.2)', () => {
  const cases: Array<[string, string, Record<string, unknown>, string]> = [
    [
      'chat temperature a string',
      '/api/chat',
      { model: 'llama3.2', messages: msgs, options: { temperature: 'hot' } },
      'option "temperature" must be of type float32',
    ],
    [
      'generate num_ctx a string',
      '/api/generate',
      { model: 'llama3.2', prompt: 'x', options: { num_ctx: 'big' } },
      'option "num_ctx" must be of type integer',
    ],
    [
      'chat stream:false, num_predict a bool',
      '/api/chat',
      { model: 'llama3.2', messages: msgs, stream: false, options: { num_predict: true } },
      'option "num_predict" must be of type integer',
    ],
    [
      'use_mmap a string',
      '/api/generate',
      { model: 'llama3.2', prompt: 'x', options: { use_mmap: 'yes' } },
      'option "use_mmap" must be of type boolean',
    ],
    [
      'main_gpu a string',
      '/api/chat',
      { model: 'llama3.2', messages: msgs, options: { main_gpu: '0' } },
      'option "main_gpu" must be of type integer',
    ],
    [
      'stop a plain string',
      '/api/chat',
      { model: 'llama3.2', messages: msgs, options: { stop: 'END' } },
      'option "stop" must be of type array',
    ],
    [
      'stop with a number in it',
      '/api/generate',
      { model: 'llama3.2', prompt: 'x', options: { stop: ['END', 3] } },
      'option "stop" must be of an array of strings',
    ],
    [
      'on a load-only chat (empty messages)',
      '/api/chat',
      { model: 'llama3.2', messages: [], options: { top_k: 'many' } },
      'option "top_k" must be of type integer',
    ],
    [
      'on embed',
      '/api/embed',
      { model: 'all-minilm', input: 'x', options: { num_ctx: 'big' } },
      'option "num_ctx" must be of type integer',
    ],
    [
      'on legacy embeddings',
      '/api/embeddings',
      { model: 'all-minilm', prompt: 'x', options: { temperature: [] } },
      'option "temperature" must be of type float32',
    ],
  ];

  it.each(cases)('%s → 500, before any load', async (_name, path, body, message) => {
    const emu = await startSim();
    const r = await post(emu, path, body);
    expect(r.status).toBe(500);
    // Raised while scheduling the runner, not on the streaming path: JSON with charset.
    expect(r.contentType).toBe('application/json; charset=utf-8');
    expect(JSON.parse(r.text)).toEqual({ error: message });
    expect(emu.control.stats().loads).toBe(0);
  });

  it('ignores unknown options and nulls, and takes any number for an integer option', async () => {
    const emu = await startSim();
    const r = await post(emu, '/api/chat', {
      model: 'llama3.2',
      messages: msgs,
      stream: false,
      options: { temperature: null, num_predict: 2.7, mirostat_tau: 'x', Temperature: 'hot' },
    });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toMatchObject({ done_reason: 'length', eval_count: 2 });
  });

  it('comes after the capability checks', async () => {
    const r = await post(await startSim(), '/api/chat', {
      model: 'llama3.2',
      messages: msgs,
      think: true,
      options: { temperature: 'hot' },
    });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toEqual({ error: '"llama3.2" does not support thinking' });
  });
});
