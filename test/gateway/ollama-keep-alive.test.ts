// Issue 5 audit: a queued Ollama-native stream used to get its headers and then nothing until it
// was dispatched, and clients (ollama-js over Node fetch) give up after long silence. It now gets
// an empty `done:false` chunk every keepAliveMs while it waits, and while the upstream is silent
// before its first token; the official client and strict NDJSON readers must not notice.
import { Ollama } from 'ollama';
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

const KEEP_ALIVE_MS = 300;
/** Go's RFC3339Nano in UTC, as Ollama writes `created_at`. */
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;

let stack: Stack | undefined;
afterEach(async () => {
  stack?.hosts.forEach((h) => h.control.releaseAll());
  await stack?.close();
  stack = undefined;
});

/** One emulated host with room for several, but the gateway allows one at a time: others queue. */
async function queuedStack(): Promise<Stack> {
  stack = await startStack({
    hosts: [{ tps: 0, loadMs: 0, parallel: 4 }],
    config: { server: { keepAliveMs: KEEP_ALIVE_MS } },
  });
  return stack;
}

/** Occupies the gateway's only slot until `releaseAll()`; `held` settles after that. */
async function occupy(s: Stack): Promise<{ held: Promise<Response> }> {
  const held = postJson(`${s.url}/api/chat`, {
    model: 'llama3.2',
    stream: false,
    messages: [{ role: 'user', content: '[[sim:hold]]' }],
  });
  await s.hosts[0]!.control.waitFor('request_held');
  return { held };
}

/** Releases the host after `ms` in case the stream never shows what the test waits for. */
function safetyRelease(s: Stack, ms = 4_000): () => void {
  const timer = setTimeout(() => s.hosts[0]!.control.releaseAll(), ms);
  return () => clearTimeout(timer);
}

/** Reads NDJSON lines as they arrive; `onLine` may act on them (e.g. release the queue). */
async function readLines(res: Response, onLine: (line: string) => void): Promise<string[]> {
  const lines: string[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(bytes, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      lines.push(line);
      onLine(line);
    }
  }
  expect(buffer).toBe(''); // every line ended with a newline
  return lines;
}

describe('Ollama NDJSON keep-alives', () => {
  it('the official ollama client, queued on /api/chat, gets its answer through empty keep-alive chunks', async () => {
    const s = await queuedStack();
    const { held } = await occupy(s);
    const cancelSafety = safetyRelease(s);
    const client = new Ollama({ host: s.url });
    // Resolves with the headers, which a queued stream gets at once.
    const stream = await client.chat({
      model: 'llama3.2',
      stream: true,
      messages: [{ role: 'user', content: 'x [[sim:reply fine thanks]]' }],
    });
    let text = '';
    let keepAlives = 0;
    let final;
    for await (const part of stream) {
      text += part.message.content;
      if (part.done) final = part;
      else if (part.message.content === '' && ++keepAlives === 2) s.hosts[0]!.control.releaseAll();
    }
    cancelSafety();
    expect(keepAlives).toBeGreaterThanOrEqual(2);
    expect(text).toBe('fine thanks');
    expect(final).toMatchObject({ done: true, done_reason: 'stop', message: { role: 'assistant' } });
    expect(final?.eval_count).toBeGreaterThan(0);
    await held;
  });

  it('the official ollama client, queued on /api/generate, gets its answer through empty keep-alive chunks', async () => {
    const s = await queuedStack();
    const { held } = await occupy(s);
    const cancelSafety = safetyRelease(s);
    const client = new Ollama({ host: s.url });
    const stream = await client.generate({
      model: 'llama3.2',
      stream: true,
      prompt: 'x [[sim:reply hello there]]',
    });
    let text = '';
    let keepAlives = 0;
    let done = false;
    for await (const part of stream) {
      text += part.response;
      if (part.done) done = true;
      else if (part.response === '' && ++keepAlives === 2) s.hosts[0]!.control.releaseAll();
    }
    cancelSafety();
    expect(keepAlives).toBeGreaterThanOrEqual(2);
    expect(text).toBe('hello there');
    expect(done).toBe(true);
    await held;
  });

  it.each(['chat', 'generate'] as const)(
    'raw bytes of /api/%s: every line is a valid chunk, keep-alives are exactly an empty done:false chunk',
    async (endpoint) => {
      const s = await queuedStack();
      const { held } = await occupy(s);
      const cancelSafety = safetyRelease(s);
      const body =
        endpoint === 'chat'
          ? { model: 'llama3.2', stream: true, messages: [{ role: 'user', content: 'x [[sim:reply a b]]' }] }
          : { model: 'llama3.2', stream: true, prompt: 'x [[sim:reply a b]]' };
      const res = await postJson(`${s.url}/api/${endpoint}`, body, {
        headers: { 'x-request-id': `raw-${endpoint}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/application\/x-ndjson/);
      expect(res.headers.get('x-request-id')).toBe(`raw-${endpoint}`);
      let empty = 0;
      const lines = await readLines(res, (line) => {
        if (/"done":false/.test(line) && ++empty === 2) s.hosts[0]!.control.releaseAll();
      });
      cancelSafety();
      await held;
      const chunks = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      const textOf = (c: Record<string, unknown>) =>
        endpoint === 'chat' ? (c.message as { content: string }).content : (c.response as string);
      const keepAlive =
        endpoint === 'chat'
          ? {
              model: 'llama3.2',
              created_at: expect.stringMatching(RFC3339),
              message: { role: 'assistant', content: '' },
              done: false,
            }
          : { model: 'llama3.2', created_at: expect.stringMatching(RFC3339), response: '', done: false };
      const firstReal = chunks.findIndex((c) => textOf(c) !== '');
      expect(firstReal).toBeGreaterThanOrEqual(2);
      for (const chunk of chunks.slice(0, firstReal)) {
        expect(chunk).toEqual(keepAlive);
        // Same field order as Ollama's own chunks (Go struct order).
        expect(Object.keys(chunk)).toEqual(Object.keys(keepAlive));
      }
      // After the keep-alives, the generation exactly as Ollama sends it, ending with done:true.
      const real = chunks.slice(firstReal);
      expect(real.map(textOf).join('')).toBe('a b');
      expect(real.at(-1)).toMatchObject({ done: true, done_reason: 'stop' });
      expect(real.slice(0, -1).every((c) => c.done === false)).toBe(true);
    },
  );

  it('an upstream that is slow to answer gets the response started with a keep-alive chunk', async () => {
    stack = await startStack({
      hosts: [{ tps: 0, loadMs: 0, parallel: 4 }],
      config: { server: { keepAliveMs: KEEP_ALIVE_MS } },
    });
    const s = stack;
    const res = await postJson(`${s.url}/api/chat`, {
      model: 'llama3.2',
      stream: true,
      messages: [{ role: 'user', content: 'x [[sim:hold slow]] [[sim:reply done]]' }],
    });
    // Not queued: the headers went out because the upstream stayed silent, and it still is.
    expect(res.status).toBe(200);
    expect(s.hosts[0]!.control.held()).toHaveLength(1);
    const lines = await readLines(res, (line) => {
      if (/"done":false/.test(line)) s.hosts[0]!.control.release('slow');
    });
    const chunks = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(chunks[0]).toEqual({
      model: 'llama3.2',
      created_at: expect.stringMatching(RFC3339),
      message: { role: 'assistant', content: '' },
      done: false,
    });
    expect(chunks.map((c) => (c.message as { content: string }).content).join('')).toBe('done');
    expect(chunks.at(-1)).toMatchObject({ done: true });
  });
});
