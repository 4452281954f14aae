// Per-request deadlines: a client bounds its own wait with `x-corral-max-wait-ms`; past it the
// request leaves the queue with a timeout in its protocol's shape (streamed: after its queue
// frames, as an in-stream error), and the shorter of its bound and scheduler.maxQueueWaitMs wins.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSse } from '../helpers/conformance.js';
import { postJson, startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  stack?.hosts.forEach((h) => h.control.releaseAll());
  await stack?.close();
  stack = undefined;
});

/** A gateway whose only slot is held until the test releases it. */
async function busyStack(config: Parameters<typeof startStack>[0] = {}): Promise<Stack> {
  const s = (stack = await startStack(config));
  const held = s.hosts[0]!.control.waitFor('request_held');
  void postJson(`${s.url}/api/chat`, {
    model: 'llama3.2',
    stream: false,
    messages: [{ role: 'user', content: 'x [[sim:hold]]' }],
  })
    .then((r) => r.text())
    // Closed with the stack at the end of the test.
    .catch(() => undefined);
  await held;
  return s;
}

describe('x-corral-max-wait-ms', () => {
  it('times a waiting Ollama request out after the client’s own bound', async () => {
    const s = await busyStack();
    const res = await postJson(
      `${s.url}/api/chat`,
      { model: 'llama3.2', stream: false, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-request-id': 'd1', 'x-corral-max-wait-ms': '120' } },
    );
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: string }).error).toMatch(/no slot .* became free within 120 ms/);
    expect(s.corral.scheduler.get('d1')?.state).toBe('timed_out');
  });

  it('uses the shorter of its bound and scheduler.maxQueueWaitMs', async () => {
    const s = await busyStack({ config: { scheduler: { maxQueueWaitMs: 100 } } });
    const res = await postJson(
      `${s.url}/api/chat`,
      { model: 'llama3.2', stream: false, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-corral-max-wait-ms': '60000' } },
    );
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: string }).error).toMatch(/within 100 ms/);
  });

  it('reaches an Anthropic SDK client as a timeout error, and a streamed one as an in-stream error', async () => {
    const s = await busyStack();
    const client = new Anthropic({
      baseURL: s.url,
      apiKey: 'any',
      maxRetries: 0,
      defaultHeaders: { 'x-corral-max-wait-ms': '100' },
    });
    const err = await client.messages
      .create({ model: 'llama3.2', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(504);
    // A stream that already got its queue frames ends with Anthropic's error event instead.
    const streamed = await postJson(
      `${s.url}/v1/messages`,
      { model: 'llama3.2', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-corral-max-wait-ms': '100' } },
    );
    expect(streamed.status).toBe(200);
    const events = parseSse(await streamed.text());
    expect(events[0]?.event).toBe('queue');
    const last = events.at(-1);
    expect(last?.event).toBe('error');
    expect(JSON.parse(last!.data)).toMatchObject({ type: 'error', error: { type: 'timeout_error' } });
  });

  it('refuses a malformed bound in the caller’s protocol shape', async () => {
    stack = await startStack();
    const client = new OpenAI({
      baseURL: `${stack.url}/v1`,
      apiKey: 'any',
      maxRetries: 0,
      defaultHeaders: { 'x-corral-max-wait-ms': 'soon' },
    });
    const err = await client.chat.completions
      .create({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/x-corral-max-wait-ms/);
  });
});
