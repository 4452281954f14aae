// Bad input and broken upstreams get a clear answer in Ollama's `{"error": "…"}` shape with the
// right status — never a crash, a hang or a lost request.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/index.js';
import { createCorral } from '../../src/server/compose.js';
import type { Corral } from '../../src/server/compose.js';
import { INSTANT, postJson, startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ hosts: [INSTANT], config: { server: { bodyLimitBytes: 4096 } } });
});
afterAll(() => stack.close());

describe('malformed requests', () => {
  it.each<[string, string, string | RegExp]>([
    ['/api/chat', '', 'missing request body'],
    ['/api/chat', '{bad', /^invalid JSON in request body/],
    ['/api/chat', '{"model":"llama3.2","stream":"yes","messages":[]}', /stream/],
    ['/api/chat', '{"messages":[{"role":"user","content":"x"}]}', 'model is required'],
    ['/api/chat', '{"model":"llama3.2","messages":[{"role":"user","content":["a"]}]}', /content/],
    ['/api/chat', '{"model":"llama3.2","messages":"hi"}', /messages/],
    [
      '/api/chat',
      '{"model":"llama3.2","keep_alive":"300","messages":[]}',
      'time: missing unit in duration "300"',
    ],
    ['/api/generate', '{"model":"llama3.2","prompt":5}', /prompt/],
    ['/api/embed', '{"model":"all-minilm","input":5}', 'invalid input type'],
    ['/api/show', '{}', 'model is required'],
  ])('%s %s', async (path, body, message) => {
    const res = await postJson(stack.url + path, body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const json = (await res.json()) as { error: unknown };
    expect(Object.keys(json)).toEqual(['error']);
    if (typeof message === 'string') expect(json.error).toBe(message);
    else expect(json.error).toMatch(message);
  });

  it('an empty model on /api/generate is a 404, as in Ollama', async () => {
    const res = await postJson(stack.url + '/api/generate', { prompt: 'x' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "model '' not found" });
  });

  it('a body over the limit is a 413 in Ollama shape', async () => {
    const res = await postJson(stack.url + '/api/chat', {
      model: 'x',
      messages: [{ role: 'user', content: 'a'.repeat(10_000) }],
    });
    expect(res.status).toBe(413);
    expect(Object.keys((await res.json()) as object)).toEqual(['error']);
  });

  it('any Content-Type is accepted, as Ollama does', async () => {
    const res = await fetch(stack.url + '/api/chat', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({
        model: 'llama3.2',
        stream: false,
        messages: [{ role: 'user', content: 'hi [[sim:reply yo]]' }],
      }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { message: { content: string } }).message.content).toBe('yo');
  });

  it('unknown paths answer like Ollama', async () => {
    const res = await fetch(stack.url + '/api/nothing');
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('404 page not found');
  });

  it('a scripted upstream failure before output keeps its status class', async () => {
    const res = await postJson(stack.url + '/api/chat', {
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'x [[sim:fail_before 500 runner crashed]]' }],
    });
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: string }).error).toMatch(/runner crashed/);
  });

  it('a mid-stream failure on a non-streamed request is an error, never partial output', async () => {
    const res = await postJson(stack.url + '/api/chat', {
      model: 'llama3.2',
      stream: false,
      messages: [{ role: 'user', content: 'x [[sim:fail_after 2 boom]]' }],
    });
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: string }).error).toMatch(/boom/);
  });
});

describe('upstream down', () => {
  let corral: Corral;
  let url: string;
  beforeAll(async () => {
    // Port 9 (discard) is closed on loopback: connections are refused at once.
    const config = parseConfig({
      server: { port: 0 },
      backends: [{ name: 'gone', url: 'http://127.0.0.1:9' }],
      store: { path: join(mkdtempSync(join(tmpdir(), 'corral-errors-')), 'corral.db') },
    });
    corral = await createCorral(config, pino({ level: 'silent' }));
    url = await corral.listen();
  });
  afterAll(() => corral.close());

  it.each([true, false])('chat (stream %s) gets a 503 naming the backend', async (stream) => {
    const res = await postJson(url + '/api/chat', {
      model: 'llama3.2',
      stream,
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    const body = (await res.json()) as { error: string };
    expect(body.error).toMatch(/backend gone \(http:\/\/127\.0\.0\.1:9\) is not reachable/);
    // The slot was given back: nothing is left running.
    expect(corral.scheduler.snapshot().running).toBe(0);
  });

  it('listing models gets a 503 too, and status says down', async () => {
    expect((await fetch(url + '/api/tags')).status).toBe(503);
    const status = (await fetch(url + '/api/status').then((r) => r.json())) as {
      status: string;
      backends: Array<{ reachable: boolean; error: string }>;
    };
    expect(status.status).toBe('down');
    expect(status.backends[0]).toMatchObject({ reachable: false });
  });
});
