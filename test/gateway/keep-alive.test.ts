// Streams that wait get keep-alives, so no client times out while queued or while the upstream is
// slow to answer (a cold model load): Anthropic `ping` events, OpenAI SSE comments.
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  stack?.hosts.forEach((h) => h.control.releaseAll());
  await stack?.close();
  stack = undefined;
});

/** Resolves with everything read once `text` has appeared in the streamed body. */
async function readUntil(res: Response, text: string): Promise<{ seen: string; rest: Promise<string> }> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let seen = '';
  while (!seen.includes(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before ${JSON.stringify(text)}: ${seen}`);
    seen += decoder.decode(value, { stream: true });
  }
  const rest = (async () => {
    let more = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return seen + more;
      more += decoder.decode(value, { stream: true });
    }
  })();
  return { seen, rest };
}

describe('keep-alives', () => {
  it('a queued Anthropic stream gets ping events, and the SDK is unaffected', async () => {
    stack = await startStack({
      hosts: [{ tps: 0, loadMs: 0, parallel: 4 }],
      config: { server: { keepAliveMs: 300 } },
    });
    const s = stack;
    const held = postJson(`${s.url}/api/chat`, {
      model: 'llama3.2',
      stream: false,
      messages: [{ role: 'user', content: '[[sim:hold]]' }],
    });
    await s.hosts[0]!.control.waitFor('request_held');
    const res = await postJson(`${s.url}/v1/messages`, {
      model: 'llama3.2',
      max_tokens: 20,
      stream: true,
      messages: [{ role: 'user', content: 'x [[sim:reply ok]]' }],
    });
    const { rest } = await readUntil(res, 'event: ping');
    s.hosts[0]!.control.releaseAll();
    const body = await rest;
    expect(body.indexOf('event: ping')).toBeLessThan(body.indexOf('event: message_start'));
    expect(body).toMatch(/event: message_stop/);
    await held;

    // The same situation through the SDK: pings and queue frames do not disturb it.
    const again = postJson(`${s.url}/api/chat`, {
      model: 'llama3.2',
      stream: false,
      messages: [{ role: 'user', content: '[[sim:hold]]' }],
    });
    await s.hosts[0]!.control.waitFor('request_held');
    const client = new Anthropic({ baseURL: s.url, apiKey: 'k', maxRetries: 0 });
    const stream = client.messages.stream({
      model: 'llama3.2',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'y [[sim:reply fine]]' }],
    });
    // Let it wait long enough for pings and queue frames to interleave, then let it through.
    const released = new Promise<void>((resolve) =>
      setTimeout(() => {
        s.hosts[0]!.control.releaseAll();
        resolve();
      }, 700),
    );
    const final = await stream.finalMessage();
    await released;
    expect(final.content).toMatchObject([{ type: 'text', text: 'fine' }]);
    await again;
  });

  it('an OpenAI stream whose upstream is slow to answer is started with a keep-alive comment', async () => {
    stack = await startStack({
      hosts: [{ tps: 0, loadMs: 0, parallel: 4 }],
      config: { server: { keepAliveMs: 300 } },
    });
    const s = stack;
    const res = await postJson(`${s.url}/v1/chat/completions`, {
      model: 'llama3.2',
      stream: true,
      messages: [{ role: 'user', content: 'x [[sim:hold slow]] [[sim:reply done]]' }],
    });
    // The response began before any token existed: the upstream is still holding.
    expect(res.status).toBe(200);
    const { rest } = await readUntil(res, ': keep-alive');
    expect(s.hosts[0]!.control.held()).toHaveLength(1);
    s.hosts[0]!.control.release('slow');
    const body = await rest;
    expect(body).toMatch(/"content":"done"/);
    expect(body.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });
});
