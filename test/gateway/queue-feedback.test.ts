// Waiting clients hear where they stand: queued at once, progress when their position changes,
// dispatched when they start — pushed by events, read here from the raw SSE stream.
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startStack, until } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  stack?.hosts.forEach((h) => h.control.releaseAll());
  await stack?.close();
  stack = undefined;
});

/** Reads a streamed body incrementally and resolves when `text` appears in it. */
function reader(res: Response): {
  seen: () => string;
  waitFor: (text: string) => Promise<void>;
  done: Promise<void>;
} {
  let buffer = '';
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  const decoder = new TextDecoder();
  const done = (async () => {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (const w of [...waiters]) {
        if (buffer.includes(w.text)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    }
  })();
  return {
    seen: () => buffer,
    done,
    waitFor: (text) =>
      buffer.includes(text)
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ text, resolve })),
  };
}

function waitQueued(s: Stack, id: string): Promise<unknown> {
  return until(
    () => s.corral.scheduler.get(id)?.state === 'queued',
    (wake) => s.corral.scheduler.on('queued', wake),
  );
}

describe('queue feedback on the wire', () => {
  it('OpenAI stream: position comments move up as the queue drains, then the answer', async () => {
    stack = await startStack({ hosts: [{ tps: 0, loadMs: 0, parallel: 4 }] });
    const s = stack;
    const held = postJson(`${s.url}/api/chat`, {
      model: 'llama3.2',
      stream: false,
      messages: [{ role: 'user', content: '[[sim:hold first]]' }],
    });
    await s.hosts[0]!.control.waitFor('request_held');
    const leaving = new AbortController();
    const second = postJson(
      `${s.url}/api/chat`,
      { model: 'llama3.2', stream: false, messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'x-request-id': 'second' }, signal: leaving.signal },
    ).catch(() => undefined);
    await waitQueued(s, 'second');
    const res = await postJson(
      `${s.url}/v1/chat/completions`,
      { model: 'llama3.2', stream: true, messages: [{ role: 'user', content: 'y [[sim:reply fine]]' }] },
      { headers: { 'x-request-id': 'third' } },
    );
    const body = reader(res);
    await body.waitFor(': queue position 2');
    leaving.abort();
    await body.waitFor(': queue position 1');
    s.hosts[0]!.control.release('first');
    await body.done;
    expect(body.seen()).toMatch(
      /: queue position 2(, eta \d+s)?\n\n: queue position 1(, eta \d+s)?\n\n: dispatched\n\n/,
    );
    expect(body.seen()).toMatch(/"content":"fine"/);
    expect(body.seen().trimEnd().endsWith('data: [DONE]')).toBe(true);
    await Promise.all([held, second]);
  });

  it('Anthropic stream: queued, progress and dispatched frames before message_start', async () => {
    stack = await startStack({ hosts: [{ tps: 0, loadMs: 0, parallel: 4 }] });
    const s = stack;
    const held = postJson(`${s.url}/api/chat`, {
      model: 'llama3.2',
      stream: false,
      messages: [{ role: 'user', content: '[[sim:hold first]]' }],
    });
    await s.hosts[0]!.control.waitFor('request_held');
    const leaving = new AbortController();
    const second = postJson(
      `${s.url}/api/chat`,
      { model: 'llama3.2', stream: false, messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'x-request-id': 'a2' }, signal: leaving.signal },
    ).catch(() => undefined);
    await waitQueued(s, 'a2');
    const res = await postJson(`${s.url}/v1/messages`, {
      model: 'llama3.2',
      max_tokens: 20,
      stream: true,
      messages: [{ role: 'user', content: 'y [[sim:reply fine]]' }],
    });
    const body = reader(res);
    await body.waitFor('"type":"queued","position":2');
    leaving.abort();
    await body.waitFor('"type":"progress","position":1,"ahead":0');
    s.hosts[0]!.control.release('first');
    await body.done;
    const events = [...body.seen().matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
    expect(events.slice(0, 4)).toEqual(['queue', 'queue', 'queue', 'message_start']);
    expect(body.seen()).toMatch(/"type":"dispatched"/);
    await Promise.all([held, second]);
  });
});
