// CorralBridge against a real gateway and emulator on 127.0.0.1: the answer, tool calls, queue
// notices while it waits (position moving up), cancellation while queued, and error kinds.
import { afterEach, describe, expect, it } from 'vitest';
import { CorralBridge } from '../../src/client/index.js';
import type { QueueNotice } from '../../src/client/index.js';
import { isCorralError } from '../../src/core/errors.js';
import { postJson, startStack, until } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  stack?.hosts.forEach((h) => h.control.releaseAll());
  await stack?.close();
  stack = undefined;
});

const weather = {
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

/** Occupies the only slot; the returned promise (wrapped, so awaiting this does not wait for it) ends on release. */
async function holdSlot(s: Stack, label: string): Promise<{ held: Promise<Response> }> {
  const held = postJson(`${s.url}/api/chat`, {
    model: 'llama3.2',
    stream: false,
    messages: [{ role: 'user', content: `[[sim:hold ${label}]]` }],
  });
  await s.hosts[0]!.control.waitFor('request_held');
  return { held };
}

describe('CorralBridge', () => {
  it('answers with system prompt and dynamic content, streaming text through onText', async () => {
    stack = await startStack({ hosts: [{ tps: 0, loadMs: 0, parallel: 4 }] });
    const received = stack.hosts[0]!.control.waitFor('request_received', (e) => e.endpoint === 'chat');
    const bridge = new CorralBridge({ url: stack.url, model: 'llama3.2' });
    const pieces: string[] = [];
    const response = await bridge.generateResponse(
      [
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Hi there!' },
        { role: 'user', content: 'Again [[sim:reply one two three]]' },
      ],
      {
        system: 'You are helpful.',
        dynamicContent: 'Today is Tuesday.',
        temperature: 0.2,
        onText: (t) => pieces.push(t),
      },
    );
    expect(bridge.extractTextContent(response)).toBe('one two three');
    expect(pieces.join('')).toBe('one two three');
    expect(response.stop_reason).toBe('end_turn');
    expect(response.usage.output_tokens).toBeGreaterThan(0);
    const body = (await received).body as {
      messages: Array<{ role: string; content: string }>;
      options?: Record<string, unknown>;
    };
    expect(body.messages[0]).toEqual({ role: 'system', content: 'You are helpful.\n\nToday is Tuesday.' });
    expect(body.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(body.options?.['temperature']).toBe(0.2);
  });

  it('returns tool calls, and a tool result continues the conversation', async () => {
    stack = await startStack({ hosts: [{ tps: 0, loadMs: 0, parallel: 4 }] });
    const bridge = new CorralBridge({ url: stack.url, model: 'llama3.2' });
    const ask = { role: 'user' as const, content: 'Weather? [[sim:tool get_weather {"city":"Paris"}]]' };
    const first = await bridge.generateResponse([ask], { tools: [weather] });
    expect(first.stop_reason).toBe('tool_use');
    const calls = bridge.extractToolCalls(first);
    expect(calls).toEqual([{ id: expect.any(String), toolName: 'get_weather', input: { city: 'Paris' } }]);
    const received = stack.hosts[0]!.control.waitFor('request_received', (e) => e.endpoint === 'chat');
    const second = await bridge.generateResponse(
      [
        ask,
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: calls[0]!.id, content: 'Sunny, 21°C' }],
        },
      ],
      { tools: [weather] },
    );
    const body = (await received).body as { messages: Array<Record<string, unknown>> };
    expect(body.messages.at(-1)).toMatchObject({ role: 'tool', tool_name: 'get_weather' });
    expect(body.messages.at(-1)).toMatchObject({ tool_call_id: calls[0]!.id });
    expect(second.type).toBe('message');
  });

  it('reports queue position and ETA while waiting, then streams the answer', async () => {
    stack = await startStack({ hosts: [{ tps: 0, loadMs: 0, parallel: 4 }] });
    const s = stack;
    const { held } = await holdSlot(s, 'first');
    const leaving = new AbortController();
    const other = postJson(
      `${s.url}/api/chat`,
      { model: 'llama3.2', stream: false, messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'x-request-id': 'w1' }, signal: leaving.signal },
    ).catch(() => undefined);
    await until(
      () => s.corral.scheduler.get('w1')?.state === 'queued',
      (wake) => s.corral.scheduler.on('queued', wake),
    );
    const bridge = new CorralBridge({ url: s.url, model: 'llama3.2' });
    const notices: QueueNotice[] = [];
    const events: string[] = [];
    const waiters: Array<() => void> = [];
    const seen = (position: number): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (notices.some((n) => n.position === position)) resolve();
          else waiters.push(check);
        };
        check();
      });
    const stream = (async () => {
      let text = '';
      for await (const event of bridge.streamResponse([
        { role: 'user', content: 'y [[sim:reply fine thanks]]' },
      ])) {
        events.push(event.type);
        if (event.type === 'queue') notices.push(event.notice);
        if (event.type === 'text') text += event.text;
        waiters.splice(0).forEach((w) => w());
      }
      return text;
    })();
    await seen(2);
    leaving.abort();
    await seen(1);
    s.hosts[0]!.control.release('first');
    expect(await stream).toBe('fine thanks');
    expect(notices[0]).toMatchObject({ position: 2, ahead: 1 });
    expect(notices.at(-1)).toMatchObject({ position: 1, ahead: 0 });
    for (const notice of notices) {
      expect(notice.etaMs).toEqual(expect.any(Number));
      expect(notice.etaMs).toBeGreaterThanOrEqual(0);
    }
    expect(events.indexOf('started')).toBeGreaterThan(events.lastIndexOf('queue'));
    expect(events.at(-1)).toBe('message');
    await Promise.all([held, other]);
  });

  it('an aborted signal takes a waiting request out of the queue', async () => {
    stack = await startStack({ hosts: [{ tps: 0, loadMs: 0, parallel: 4 }] });
    const s = stack;
    const { held } = await holdSlot(s, 'first');
    const bridge = new CorralBridge({ url: s.url, model: 'llama3.2', headers: { 'x-request-id': 'w2' } });
    const controller = new AbortController();
    let onQueue: () => void = () => {};
    const queued = new Promise<void>((resolve) => (onQueue = resolve));
    const outcome = bridge
      .generateResponse([{ role: 'user', content: 'hi' }], { signal: controller.signal, onQueue })
      .then(
        () => 'resolved',
        (err: unknown) => err,
      );
    await queued;
    const cancelled = until(
      () => s.corral.scheduler.get('w2')?.state === 'cancelled' || undefined,
      (w) => s.corral.scheduler.on('cancelled', w),
    );
    controller.abort(new Error('user left'));
    await cancelled;
    const rejection = await outcome;
    expect((rejection as Error).message).toBe('user left');
    s.hosts[0]!.control.release('first');
    await held;
  });

  it('an aborted signal stops a running generation upstream', async () => {
    stack = await startStack({ hosts: [{ tps: 0, loadMs: 0, parallel: 4 }] });
    const bridge = new CorralBridge({ url: stack.url, model: 'llama3.2' });
    const controller = new AbortController();
    const started = stack.hosts[0]!.control.waitFor('request_started');
    const outcome = bridge
      .generateResponse([{ role: 'user', content: '[[sim:hang]]' }], { signal: controller.signal })
      .catch((err: unknown) => err);
    await started;
    const aborted = stack.hosts[0]!.control.waitFor('request_aborted');
    controller.abort(new Error('stop'));
    expect(((await outcome) as Error).message).toBe('stop');
    expect((await aborted).phase).toBe('generating');
  });

  it('breaking out of streamResponse early stops the generation upstream', async () => {
    stack = await startStack({ hosts: [{ tps: 0, loadMs: 0, parallel: 4 }] });
    const host = stack.hosts[0]!;
    const bridge = new CorralBridge({ url: stack.url, model: 'llama3.2' });
    const aborted = host.control.waitFor('request_aborted');
    const finished = host.control.waitFor('request_finished').then(() => 'finished' as const);
    const seen: string[] = [];
    for await (const event of bridge.streamResponse([
      { role: 'user', content: 'Talk for a while [[sim:long 200]] [[sim:slow 10]]' },
    ])) {
      seen.push(event.type);
      if (event.type === 'text') break;
    }
    expect(seen).toEqual(['started', 'text']);
    const ended = await Promise.race([aborted, finished]);
    expect(ended).toMatchObject({ type: 'request_aborted', phase: 'generating' });
  });

  it('maps gateway errors to CorralError kinds', async () => {
    stack = await startStack();
    const bridge = new CorralBridge({ url: stack.url, model: 'no-such-model' });
    const err: unknown = await bridge
      .generateResponse([{ role: 'user', content: 'hi' }])
      .catch((e: unknown) => e);
    expect(isCorralError(err) && err.kind).toBe('not_found');
    const down = new CorralBridge({ url: 'http://127.0.0.1:9', model: 'llama3.2' });
    const err2: unknown = await down
      .generateResponse([{ role: 'user', content: 'hi' }])
      .catch((e: unknown) => e);
    expect(isCorralError(err2) && err2.kind).toBe('unavailable');
  });
});
