// /api/embed and legacy /api/embeddings (§2.4).
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, json, post, startSim } from './helpers.js';

afterEach(closeAll);

describe('/api/embed', () => {
  it('returns one L2-normalised deterministic vector per input with metrics', async () => {
    const emu = await startSim({ loadMs: 5 });
    const a = json(await post(emu, '/api/embed', { model: 'all-minilm', input: ['the cat', 'the dog'] }));
    expect(a).toMatchObject({ model: 'all-minilm', prompt_eval_count: 4 });
    expect(Number(a.total_duration)).toBeGreaterThan(0);
    expect(Number(a.load_duration)).toBeGreaterThan(0);
    const vectors = a.embeddings as number[][];
    expect(vectors).toHaveLength(2);
    for (const v of vectors) expect(Math.hypot(...v)).toBeCloseTo(1, 9);
    const b = json(await post(emu, '/api/embed', { model: 'all-minilm', input: 'the cat' }));
    expect((b.embeddings as number[][])[0]).toEqual(vectors[0]);
    expect(b).not.toHaveProperty('load_duration');
  });

  it('dimensions cuts and renormalises', async () => {
    const emu = await startSim();
    const r = json(await post(emu, '/api/embed', { model: 'all-minilm', input: 'abc', dimensions: 8 }));
    const v = (r.embeddings as number[][])[0] ?? [];
    expect(v).toHaveLength(8);
    expect(Math.hypot(...v)).toBeCloseTo(1, 9);
  });

  it('empty input loads the model and returns no embeddings', async () => {
    const emu = await startSim();
    const loaded = emu.control.waitFor('model_loaded');
    expect(json(await post(emu, '/api/embed', { model: 'all-minilm', input: [] }))).toEqual({
      model: 'all-minilm',
      embeddings: [],
    });
    expect(json(await post(emu, '/api/embed', { model: 'all-minilm', input: '' }))).toEqual({
      model: 'all-minilm',
      embeddings: [],
    });
    await loaded;
  });

  it('truncate:false with an input longer than the context is a 400', async () => {
    const emu = await startSim();
    const long = Array.from({ length: 600 }, () => 'word').join(' ');
    const r = await post(emu, '/api/embed', { model: 'all-minilm', input: long, truncate: false });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toEqual({ error: 'the input length exceeds the context length' });
  });
});

describe('/api/embeddings (legacy)', () => {
  it('returns one raw vector; empty prompt returns []', async () => {
    const emu = await startSim();
    const r = json(await post(emu, '/api/embeddings', { model: 'all-minilm', prompt: 'hello' }));
    expect((r.embedding as number[]).length).toBe(384);
    expect(json(await post(emu, '/api/embeddings', { model: 'all-minilm', prompt: '' }))).toEqual({
      embedding: [],
    });
  });
});
