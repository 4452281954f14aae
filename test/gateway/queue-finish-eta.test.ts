// Issue 5 audit: the scheduler predicts when a waiting request will finish (`finishInMs`), but
// nothing showed it. GET /api/queue/{id} now answers `finishEtaMs` beside `etaMs`, and the
// Anthropic `event: queue` frames carry `finish_eta_ms` beside `eta_ms`.
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startStack, until } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  stack?.hosts.forEach((h) => h.control.releaseAll());
  await stack?.close();
  stack = undefined;
});

/** One slot, held by a request until `release('gate')`. */
async function gated(): Promise<{ s: Stack; gate: Promise<Response> }> {
  stack = await startStack({ hosts: [{ tps: 0, loadMs: 0, parallel: 4 }] });
  const s = stack;
  const gate = postJson(`${s.url}/api/chat`, {
    model: 'llama3.2',
    stream: false,
    messages: [{ role: 'user', content: '[[sim:hold gate]]' }],
  });
  await s.hosts[0]!.control.waitFor('request_held');
  return { s, gate };
}

function queued(s: Stack, id: string): Promise<unknown> {
  return until(
    () => s.corral.scheduler.get(id)?.state === 'queued',
    (wake) => s.corral.scheduler.on('queued', wake),
  );
}

describe('predicted finish of a waiting request', () => {
  it('GET /api/queue/{id} answers finishEtaMs: its start plus its own expected length', async () => {
    const { s, gate } = await gated();
    const waiting = ['w1', 'w2'].map((id) =>
      postJson(
        `${s.url}/api/chat`,
        {
          model: 'llama3.2',
          stream: false,
          options: { num_predict: 60 },
          messages: [{ role: 'user', content: 'x' }],
        },
        { headers: { 'x-request-id': id } },
      ),
    );
    await queued(s, 'w2');
    const body = (await fetch(`${s.url}/api/queue/w2`).then((r) => r.json())) as Record<string, number>;
    expect(body).toMatchObject({ id: 'w2', state: 'queued', position: 2 });
    expect(body.etaMs).toBeGreaterThan(0);
    expect(body.finishEtaMs).toBeGreaterThan(body.etaMs!);
    expect(Number.isInteger(body.finishEtaMs)).toBe(true);
    // The same figure the scheduler predicts, rounded for the wire.
    const predicted = s.corral.scheduler.get('w2')?.finishInMs ?? NaN;
    expect(Math.abs(body.finishEtaMs! - predicted)).toBeLessThan(50); // time passed between the reads

    s.hosts[0]!.control.release('gate');
    await Promise.all([gate, ...waiting]);
    // Once it started there is nothing left to predict.
    const done = (await fetch(`${s.url}/api/queue/w2`).then((r) => r.json())) as Record<string, unknown>;
    expect(done).toMatchObject({ state: 'done' });
    expect(done).not.toHaveProperty('finishEtaMs');
  });

  it('the Anthropic queued frame carries finish_eta_ms, and the SDK still reads the answer', async () => {
    const { s, gate } = await gated();
    const res = await postJson(
      `${s.url}/v1/messages`,
      {
        model: 'llama3.2',
        max_tokens: 40,
        stream: true,
        messages: [{ role: 'user', content: 'x [[sim:reply ok]]' }],
      },
      { headers: { 'x-request-id': 'anth' } },
    );
    await queued(s, 'anth');
    s.hosts[0]!.control.release('gate');
    const text = await res.text();
    const frame = /event: queue\ndata: (\{"type":"queued"[^\n]*)\n/.exec(text);
    expect(frame).not.toBeNull();
    const data = JSON.parse(frame![1]!) as Record<string, number>;
    expect(data).toMatchObject({ type: 'queued', position: 1, ahead: 0 });
    expect(data.finish_eta_ms).toBeGreaterThan(data.eta_ms!);
    expect(text).toMatch(/event: message_stop/);
    await gate;

    // The same through the SDK: the extra field changes nothing for it.
    const again = postJson(`${s.url}/api/chat`, {
      model: 'llama3.2',
      stream: false,
      messages: [{ role: 'user', content: '[[sim:hold gate]]' }],
    });
    await s.hosts[0]!.control.waitFor('request_held');
    const client = new Anthropic({ baseURL: s.url, apiKey: 'k', maxRetries: 0 });
    const stream = client.messages.stream(
      { model: 'llama3.2', max_tokens: 40, messages: [{ role: 'user', content: 'y [[sim:reply fine]]' }] },
      { headers: { 'x-request-id': 'sdk' } },
    );
    await queued(s, 'sdk');
    s.hosts[0]!.control.release('gate');
    const final = await stream.finalMessage();
    expect(final.content).toMatchObject([{ type: 'text', text: 'fine' }]);
    await again;
  });
});
