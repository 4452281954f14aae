// The control plane's `request_received` event (docs/sim.md): what a native endpoint decoded.
import { afterEach, describe, expect, it } from 'vitest';
import type { SimEventOf } from '../../src/sim/index.js';
import { closeAll, post, startSim } from './helpers.js';

afterEach(closeAll);

describe('request_received', () => {
  it('carries the bound chat body (known fields only) and the parsed JSON with unknown fields', async () => {
    const emu = await startSim();
    const received = emu.control.waitFor('request_received');
    const body = {
      model: 'llama3.2',
      stream: false,
      Think: false,
      keep_alive: '5m',
      format: 'json',
      options: { num_predict: 7, temperature: 0.2 },
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'hi', images: ['aGVsbG8='], cache_control: { type: 'ephemeral' } },
        {
          role: 'assistant',
          content: '',
          tool_calls: [{ id: 'call_1', function: { name: 'f', arguments: { q: 'é "x"' } } }],
        },
        { role: 'tool', content: 'r', tool_name: 'f', tool_call_id: 'call_1' },
      ],
      extra: 1,
    };
    const r = await post(emu, '/api/chat', body, { 'x-test': 'yes' });
    expect(r.status).toBe(200);
    const e = await received;
    expect(e).toMatchObject({ type: 'request_received', endpoint: 'chat', model: 'llama3.2' });
    expect(e.headers['x-test']).toBe('yes');
    // Keys matched case-insensitively like Go, unknown fields dropped.
    expect(e.body.think).toBe(false);
    expect(e.body).not.toHaveProperty('extra');
    expect(e.body).toMatchObject({ keep_alive: '5m', format: 'json', options: { num_predict: 7 } });
    expect(e.body.messages).toEqual([
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'hi', images: ['aGVsbG8='] },
      body.messages[2],
      body.messages[3],
    ]);
    expect(e.body.tools).toEqual(body.tools);
    expect(e.json).toEqual(body);
  });

  it('is emitted for generate, embed and embeddings, before the request is queued', async () => {
    const emu = await startSim();
    const seen: Array<SimEventOf<'request_received'>> = [];
    const order: string[] = [];
    emu.control.on('request_received', (e) => {
      seen.push(e);
      order.push('received');
    });
    emu.control.on('request_started', () => order.push('started'));
    await post(emu, '/api/generate', { model: 'llama3.2', prompt: 'p', system: 's', stream: false });
    await post(emu, '/api/embed', { model: 'all-minilm', input: ['a', 'b'] });
    await post(emu, '/api/embeddings', { model: 'all-minilm', prompt: 'a' });
    expect(seen.map((e) => e.endpoint)).toEqual(['generate', 'embed', 'embeddings']);
    expect(seen[0]!.body).toMatchObject({ prompt: 'p', system: 's', stream: false });
    expect(seen[1]!.body).toMatchObject({ model: 'all-minilm', input: ['a', 'b'] });
    expect(order).toEqual(['received', 'started', 'received', 'started', 'received', 'started']);
  });

  it('is not emitted for a body that does not decode, nor for /v1 requests', async () => {
    const emu = await startSim();
    const seen: string[] = [];
    emu.control.on('request_received', (e) => seen.push(e.endpoint));
    const bad = await post(emu, '/api/chat', '{"model":"llama3.2","stream":"yes"}');
    expect(bad.status).toBe(400);
    const v1 = await post(emu, '/v1/chat/completions', {
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(v1.status).toBe(200);
    expect(seen).toEqual([]);
    expect(emu.control.wants('request_received')).toBe(true);
  });
});
