// Prompts that do not fit num_ctx (reference/ollama-api.md §2.2 `truncate`/`shift`, §3.2): chat
// truncation drops the oldest messages, context shift cuts what is still too long, and without
// context shift the runner refuses the prompt with a 400.
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, get, json, post, startSim, user } from './helpers.js';

afterEach(closeAll);

const tooLong =
  'the prompt is longer than the context length currently available to the model; shorten the prompt, adjust the context length in settings, or use a model with a longer context length';

/** `n` words: the emulator counts ≈ one token per word, plus 4 per message (generate: 4 in all). */
const words = (n: number): string => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');

describe('prompt longer than the context (§3.2)', () => {
  it('with shift:false fails with 400 after loading the model and taking a slot', async () => {
    const emu = await startSim();
    const finished = emu.control.waitFor('request_finished');
    const r = await post(emu, '/api/generate', {
      model: 'llama3.2',
      prompt: words(100), // 104 tokens
      shift: false,
      options: { num_ctx: 64 },
    });
    expect(r.status).toBe(400);
    // The stream had not started: bare application/json, as for every streaming-path error (§1).
    expect(r.contentType).toBe('application/json');
    expect(JSON.parse(r.text)).toEqual({ error: tooLong });
    expect(await finished).toMatchObject({ failed: true, evalCount: 0 });
    expect(emu.control.stats()).toMatchObject({ loads: 1, failed: 1, active: {} });
    const ps = json(await get(emu, '/api/ps')) as { models: Array<{ name: string; context_length: number }> };
    expect(ps.models).toMatchObject([{ name: 'llama3.2:latest', context_length: 64 }]);
  });

  it('chat with stream:false answers the same 400 as JSON with charset', async () => {
    const r = await post(await startSim(), '/api/chat', {
      model: 'llama3.2',
      messages: [user(words(70))],
      shift: false,
      stream: false,
      options: { num_ctx: 64 },
    });
    expect(r.status).toBe(400);
    expect(r.contentType).toBe('application/json; charset=utf-8');
    expect(JSON.parse(r.text)).toEqual({ error: tooLong });
  });

  it('a prompt of num_ctx − 1 tokens still fits; num_ctx tokens does not', async () => {
    const emu = await startSim();
    const body = (n: number): Record<string, unknown> => ({
      model: 'llama3.2',
      prompt: words(n - 4),
      stream: false,
      shift: false,
      options: { num_ctx: 64 },
    });
    const fits = await post(emu, '/api/generate', body(63));
    expect(fits.status).toBe(200);
    expect(json(fits).prompt_eval_count).toBe(63);
    expect((await post(emu, '/api/generate', body(64))).status).toBe(400);
  });

  it('chat truncation drops the oldest messages, keeping system messages and the last one', async () => {
    const r = await post(await startSim(), '/api/chat', {
      model: 'llama3.2',
      messages: [
        { role: 'system', content: words(10) }, // 14 tokens
        user(words(100)), // 104
        { role: 'assistant', content: words(100) }, // 104
        user('short question'), // 6
      ],
      shift: false,
      stream: false,
      options: { num_ctx: 64 },
    });
    expect(r.status).toBe(200);
    expect(json(r).prompt_eval_count).toBe(14 + 6);
  });

  it('with context shift (the default) the prompt is cut to num_ctx − (num_ctx − num_keep) / 2', async () => {
    const emu = await startSim();
    const gen = async (options: Record<string, unknown>): Promise<unknown> =>
      json(
        await post(emu, '/api/generate', { model: 'llama3.2', prompt: words(100), stream: false, options }),
      ).prompt_eval_count;
    expect(await gen({ num_ctx: 64 })).toBe(64 - 30); // num_keep 4 by default
    expect(await gen({ num_ctx: 64, num_keep: 20 })).toBe(64 - 22);
  });

  it('a different shift setting reloads the model (§4.5)', async () => {
    const emu = await startSim({ loadMs: 5 });
    await post(emu, '/api/chat', { model: 'llama3.2', messages: [user('a')], stream: false });
    const reload = emu.control.waitFor('model_unloaded');
    const r = await post(emu, '/api/chat', {
      model: 'llama3.2',
      messages: [user('b')],
      stream: false,
      shift: false,
    });
    expect(r.status).toBe(200);
    expect(await reload).toMatchObject({ model: 'llama3.2:latest', reason: 'reload' });
    expect(json(r).load_duration).toBeGreaterThan(0);
    expect(emu.control.stats().loads).toBe(2);
  });
});
