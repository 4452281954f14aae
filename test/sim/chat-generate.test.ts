// §8 item 2 of reference/ollama-api.md: /api/chat and /api/generate wire format, aggregation,
// load/unload replies, thinking, format, num_predict and stop.
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, json, lines, post, startSim, user } from './helpers.js';

afterEach(closeAll);

const metricKeys = [
  'total_duration',
  'load_duration',
  'prompt_eval_count',
  'prompt_eval_duration',
  'eval_count',
  'eval_duration',
];
const rfc3339Nano = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;

describe('/api/chat (§2.2)', () => {
  it('streams NDJSON by default: done:false chunks without metrics, one final chunk with done_reason and ns metrics', async () => {
    const emu = await startSim({ loadMs: 5 });
    const r = await post(emu, '/api/chat', { model: 'Llama3.2', messages: [user('Hello there')] });
    expect(r.status).toBe(200);
    expect(r.contentType).toBe('application/x-ndjson');
    expect(r.headers['transfer-encoding']).toBe('chunked');
    const chunks = lines(r.text);
    const last = chunks[chunks.length - 1] ?? {};
    for (const c of chunks.slice(0, -1)) {
      expect(c).toMatchObject({ model: 'Llama3.2', done: false, message: { role: 'assistant' } });
      expect(typeof (c.message as { content: unknown }).content).toBe('string');
      for (const k of [...metricKeys, 'done_reason']) expect(c).not.toHaveProperty(k);
      expect(String(c.created_at)).toMatch(rfc3339Nano);
    }
    expect(last).toMatchObject({
      done: true,
      done_reason: 'stop',
      message: { role: 'assistant', content: '' },
    });
    for (const k of metricKeys) expect(Number.isInteger(last[k])).toBe(true);
    expect(last.eval_count).toBe(chunks.length - 1);
    expect(Number(last.total_duration)).toBeGreaterThanOrEqual(Number(last.load_duration));
  });

  it('stream:false aggregates the message into one object shaped like the final chunk', async () => {
    const emu = await startSim();
    const streamed = lines(
      (await post(emu, '/api/chat', { model: 'llama3.2', messages: [user('same question')] })).text,
    );
    const r = await post(emu, '/api/chat', {
      model: 'llama3.2',
      messages: [user('same question')],
      stream: false,
    });
    expect(r.contentType).toBe('application/json; charset=utf-8');
    const body = json(r);
    expect(body).toMatchObject({ done: true, done_reason: 'stop' });
    // Deterministic: the same request gives the same text, streamed or not.
    const text = streamed.map((c) => (c.message as { content: string }).content).join('');
    expect((body.message as { content: string }).content).toBe(text);
  });

  it('empty messages load the model (done_reason load) and keep_alive 0 unloads it', async () => {
    const emu = await startSim({ loadMs: 5 });
    const loaded = emu.control.waitFor('model_loaded');
    const r = await post(emu, '/api/chat', { model: 'llama3.2', messages: [] });
    expect(r.contentType).toBe('application/json; charset=utf-8');
    expect(json(r)).toEqual({
      model: 'llama3.2',
      created_at: expect.stringMatching(rfc3339Nano),
      message: { role: 'assistant', content: '' },
      done: true,
      done_reason: 'load',
    });
    await loaded;
    const unloaded = emu.control.waitFor('model_unloaded');
    const u = await post(emu, '/api/chat', { model: 'llama3.2', keep_alive: 0 });
    expect(json(u)).toMatchObject({ done: true, done_reason: 'unload' });
    expect(await unloaded).toMatchObject({ model: 'llama3.2:latest', reason: 'unload_request' });
  });

  it('thinking models stream thinking first when think is absent; think:false turns it off', async () => {
    const emu = await startSim();
    const chunks = lines(
      (await post(emu, '/api/chat', { model: 'qwen3:8b', messages: [user('why?')] })).text,
    );
    const kinds = chunks
      .filter((c) => !c.done)
      .map((c) => ((c.message as { thinking?: string }).thinking !== undefined ? 'thinking' : 'content'));
    expect(kinds[0]).toBe('thinking');
    expect(kinds.lastIndexOf('thinking')).toBeLessThan(kinds.indexOf('content'));
    const off = json(
      await post(emu, '/api/chat', {
        model: 'qwen3:8b',
        messages: [user('why?')],
        think: false,
        stream: false,
      }),
    );
    expect(off.message).not.toHaveProperty('thinking');
  });

  it('format json and a JSON schema produce valid JSON content', async () => {
    const emu = await startSim();
    const a = json(
      await post(emu, '/api/chat', {
        model: 'llama3.2',
        messages: [user('json please')],
        format: 'json',
        stream: false,
      }),
    );
    expect(() => JSON.parse((a.message as { content: string }).content) as unknown).not.toThrow();
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' }, temp: { type: 'number' } },
      required: ['city', 'temp'],
    };
    const b = json(
      await post(emu, '/api/chat', {
        model: 'llama3.2',
        messages: [user('weather')],
        format: schema,
        stream: false,
      }),
    );
    expect(JSON.parse((b.message as { content: string }).content)).toEqual({
      city: expect.any(String),
      temp: expect.any(Number),
    });
  });

  it('num_predict cuts the reply with done_reason length; stop sequences end it with stop', async () => {
    const emu = await startSim();
    const cut = json(
      await post(emu, '/api/chat', {
        model: 'llama3.2',
        messages: [user('[[sim:long 50]]')],
        options: { num_predict: 5 },
        stream: false,
      }),
    );
    expect(cut).toMatchObject({ done_reason: 'length', eval_count: 5 });
    const stopped = json(
      await post(emu, '/api/chat', {
        model: 'llama3.2',
        messages: [user('[[sim:reply alpha beta STOP gamma]]')],
        options: { stop: ['STOP'] },
        stream: false,
      }),
    );
    expect(stopped).toMatchObject({ done_reason: 'stop', message: { content: 'alpha beta ' } });
  });

  it('scripted echo and reply directives', async () => {
    const emu = await startSim();
    const echo = json(
      await post(emu, '/api/chat', {
        model: 'llama3.2',
        messages: [user('repeat this please [[sim:echo]]')],
        stream: false,
      }),
    );
    expect((echo.message as { content: string }).content).toBe('repeat this please');
    const viaHeader = json(
      await post(
        emu,
        '/api/chat',
        { model: 'llama3.2', messages: [user('hi')], stream: false },
        { 'x-sim-script': 'reply from the header' },
      ),
    );
    expect((viaHeader.message as { content: string }).content).toBe('from the header');
  });
});

describe('/api/generate (§2.3)', () => {
  it('streams response chunks and a final chunk with context and metrics', async () => {
    const emu = await startSim();
    const chunks = lines(
      (await post(emu, '/api/generate', { model: 'llama3.2', prompt: 'Tell me a story' })).text,
    );
    const last = chunks[chunks.length - 1] ?? {};
    expect(chunks[0]).toMatchObject({ model: 'llama3.2', done: false, response: expect.any(String) });
    expect(last).toMatchObject({ done: true, done_reason: 'stop', response: '' });
    expect(Array.isArray(last.context)).toBe(true);
    expect((last.context as number[]).length).toBe(Number(last.prompt_eval_count) + Number(last.eval_count));
  });

  it('stream:false returns the whole response; raw mode has no context', async () => {
    const emu = await startSim();
    const r = json(
      await post(emu, '/api/generate', {
        model: 'llama3.2',
        prompt: '[[sim:reply Hi there]]',
        stream: false,
        raw: true,
      }),
    );
    expect(r).toMatchObject({ response: 'Hi there', done: true, done_reason: 'stop' });
    expect(r).not.toHaveProperty('context');
  });

  it('empty prompt loads (done_reason load), with keep_alive 0 unloads', async () => {
    const emu = await startSim();
    expect(json(await post(emu, '/api/generate', { model: 'llama3.2' }))).toMatchObject({
      response: '',
      done: true,
      done_reason: 'load',
    });
    expect(json(await post(emu, '/api/generate', { model: 'llama3.2', keep_alive: 0 }))).toMatchObject({
      done: true,
      done_reason: 'unload',
    });
  });
});
