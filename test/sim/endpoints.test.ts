// §8 item 1 of reference/ollama-api.md: GET /, /api/version, /api/tags, /api/ps, /api/show, plus gin's 404/405.
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, get, json, post, startSim } from './helpers.js';

afterEach(closeAll);

describe('listing and info endpoints (§2.5)', () => {
  it('GET and HEAD / answer "Ollama is running" as text/plain', async () => {
    const emu = await startSim();
    const r = await get(emu, '/');
    expect(r).toMatchObject({
      status: 200,
      contentType: 'text/plain; charset=utf-8',
      text: 'Ollama is running',
    });
    const head = await get(emu, '/', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
  });

  it('/api/version reports the configured version', async () => {
    const emu = await startSim({ version: '0.99.1' });
    const r = await get(emu, '/api/version');
    expect(r.contentType).toBe('application/json; charset=utf-8');
    expect(json(r)).toEqual({ version: '0.99.1' });
    expect((await get(emu, '/api/version', 'HEAD')).status).toBe(200);
  });

  it('/api/tags lists the models newest first with details and capabilities', async () => {
    const emu = await startSim();
    const { models } = json(await get(emu, '/api/tags')) as { models: Array<Record<string, unknown>> };
    expect(models.map((m) => m.name)).toEqual([
      'llama3.2:latest',
      'qwen3:8b',
      'llava:7b',
      'all-minilm:latest',
    ]);
    const first = models[0] ?? {};
    expect(first).toMatchObject({
      name: 'llama3.2:latest',
      model: 'llama3.2:latest',
      capabilities: ['completion', 'tools'],
    });
    expect(first.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(first.details).toMatchObject({
      format: 'gguf',
      family: 'llama',
      parameter_size: '3.2B',
      quantization_level: 'Q4_K_M',
    });
    const dates = models.map((m) => String(m.modified_at));
    expect([...dates].sort().reverse()).toEqual(dates);
  });

  it('/api/tags honours the models option (presets and guessed names)', async () => {
    const emu = await startSim({ models: ['nomic-embed-text', 'deepseek-r1:7b'] });
    const { models } = json(await get(emu, '/api/tags')) as {
      models: Array<{ name: string; capabilities: string[] }>;
    };
    expect(models).toEqual([
      expect.objectContaining({ name: 'nomic-embed-text:latest', capabilities: ['embedding'] }),
      expect.objectContaining({ name: 'deepseek-r1:7b', capabilities: ['completion', 'tools', 'thinking'] }),
    ]);
  });

  it('/api/ps is empty before any load and shows expires_at, size_vram and context_length after', async () => {
    const emu = await startSim();
    expect(json(await get(emu, '/api/ps'))).toEqual({ models: [] });
    await post(emu, '/api/chat', { model: 'llama3.2', messages: [] });
    const { models } = json(await get(emu, '/api/ps')) as { models: Array<Record<string, unknown>> };
    expect(models).toHaveLength(1);
    const m = models[0] ?? {};
    expect(m).toMatchObject({ name: 'llama3.2:latest', model: 'llama3.2:latest', context_length: 4096 });
    expect(m.size_vram).toBe(m.size);
    expect(Date.parse(String(m.expires_at))).toBeGreaterThan(Date.now());
  });

  it('/api/show returns details, model_info and capabilities; accepts the deprecated name field', async () => {
    const emu = await startSim();
    const r = await post(emu, '/api/show', { model: 'qwen3:8b' });
    expect(r.status).toBe(200);
    const body = json(r);
    expect(body.capabilities).toEqual(['completion', 'tools', 'thinking']);
    expect(body.model_info).toMatchObject({ 'general.architecture': 'qwen3', 'qwen3.context_length': 40960 });
    expect((await post(emu, '/api/show', { name: 'QWEN3:8b' })).status).toBe(200);
  });

  it('/api/show errors: missing model 400, unknown model 404 with the normalised name', async () => {
    const emu = await startSim();
    expect(await post(emu, '/api/show', {})).toMatchObject({
      status: 400,
      text: '{"error":"model is required"}',
    });
    expect(await post(emu, '/api/show', { model: 'llama9' })).toMatchObject({
      status: 404,
      text: `{"error":"model 'llama9:latest' not found"}`,
    });
  });
});

describe('router behaviour (§1)', () => {
  it('unknown path → 404 plain text, known path with wrong method → 405', async () => {
    const emu = await startSim();
    expect(await get(emu, '/api/nope')).toMatchObject({
      status: 404,
      contentType: 'text/plain',
      text: '404 page not found',
    });
    expect(await get(emu, '/api/chat')).toMatchObject({
      status: 405,
      contentType: 'text/plain',
      text: '405 method not allowed',
    });
    expect(await post(emu, '/api/tags', {})).toMatchObject({ status: 405, text: '405 method not allowed' });
  });

  it('answers a CORS pre-flight with 204', async () => {
    const emu = await startSim();
    const res = await fetch(`${emu.url}/api/chat`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
  });

  it('ignores the Content-Type header and unknown fields', async () => {
    const emu = await startSim();
    const r = await post(
      emu,
      '/api/chat',
      { model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], stream: false, bogus: 1 },
      { 'content-type': 'text/plain' },
    );
    expect(r.status).toBe(200);
  });
});

describe('Host-header check (§1, opt-in)', () => {
  it('refuses a public Host with an empty 403 when bound to loopback', async () => {
    const emu = await startSim({ checkHost: true });
    const { request } = await import('node:http');
    const status = await new Promise<number | undefined>((resolve) => {
      const req = request(
        { host: '127.0.0.1', port: emu.port, path: '/api/version', headers: { host: 'corral.example.com' } },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      );
      req.on('error', () => resolve(undefined));
      req.end();
    });
    expect(status).toBe(403);
    expect((await get(emu, '/api/version')).status).toBe(200);
  });
});
