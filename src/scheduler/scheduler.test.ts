import { describe, expect, it } from 'vitest';
import { CorralError } from '../core/errors.js';
import { brief, job, setup } from './test-helpers.js';

describe('Scheduler: order and slots', () => {
  it('dispatches FIFO per model, one at a time on a 1-slot backend', () => {
    const { scheduler: s } = setup();
    expect(['a', 'b', 'c', 'd'].map((id) => brief(s.submit(job(id))))).toEqual([
      'dispatch@b1',
      'queued#1',
      'queued#2',
      'queued#3',
    ]);
    expect(s.finish('a', 'done')).toEqual([{ jobId: 'b', backend: 'b1' }]);
    expect(s.finish('b', 'failed')).toEqual([{ jobId: 'c', backend: 'b1' }]);
    expect(s.finish('c', 'done')).toEqual([{ jobId: 'd', backend: 'b1' }]);
    expect(s.finish('d', 'done')).toEqual([]);
    expect([s.queued, s.running]).toEqual([0, 0]);
  });

  it.each([
    { slots: 1, expected: ['dispatch@b1', 'queued#1', 'queued#2', 'queued#3'] },
    { slots: 2, expected: ['dispatch@b1', 'dispatch@b1', 'queued#1', 'queued#2'] },
    { slots: 4, expected: ['dispatch@b1', 'dispatch@b1', 'dispatch@b1', 'dispatch@b1'] },
    { slots: 0, expected: ['queued#1', 'queued#2', 'queued#3', 'queued#4'] },
  ])(
    'never runs more than $slots job(s) on a (backend, model) with $slots slot(s)',
    ({ slots, expected }) => {
      const { scheduler: s } = setup();
      s.setCapacity('b1', 'm', slots);
      expect(['a', 'b', 'c', 'd'].map((id) => brief(s.submit(job(id))))).toEqual(expected);
      expect(s.running).toBe(Math.min(slots, 4));
    },
  );

  it('keeps models apart: a busy model does not block another on the same backend', () => {
    const { scheduler: s } = setup();
    expect(brief(s.submit(job('a', { model: 'm1' })))).toBe('dispatch@b1');
    expect(brief(s.submit(job('b', { model: 'm1' })))).toBe('queued#1');
    expect(brief(s.submit(job('c', { model: 'm2' })))).toBe('dispatch@b1');
    expect(brief(s.submit(job('d', { model: 'm2' })))).toBe('queued#1');
    expect(s.finish('c', 'done')).toEqual([{ jobId: 'd', backend: 'b1' }]);
  });

  it('spreads over several backends in the router order and keeps FIFO per backend line', () => {
    const { scheduler: s } = setup();
    const both = { backends: ['b1', 'b2'] };
    expect(brief(s.submit(job('a', both)))).toBe('dispatch@b1');
    expect(brief(s.submit(job('b', both)))).toBe('dispatch@b2');
    expect(brief(s.submit(job('x', { backends: ['b1'] })))).toBe('queued#1');
    expect(brief(s.submit(job('y', both)))).toBe('queued#2');
    expect(brief(s.submit(job('z', { backends: ['b2'] })))).toBe('queued#3');
    // b2 frees: x cannot run there, so the oldest job b2 may serve is y.
    expect(s.finish('b', 'done')).toEqual([{ jobId: 'y', backend: 'b2' }]);
    expect(s.get('z')?.position).toBe(2);
    expect(s.finish('a', 'done')).toEqual([{ jobId: 'x', backend: 'b1' }]);
    expect(s.finish('y', 'done')).toEqual([{ jobId: 'z', backend: 'b2' }]);
  });

  it('starts a job listed on several backends once, and a cancel takes it out of every line', () => {
    const { scheduler: s } = setup();
    const both = { backends: ['b1', 'b2'] };
    s.submit(job('a', { backends: ['b1'] }));
    s.submit(job('b', { backends: ['b2'] }));
    s.submit(job('x', both));
    s.submit(job('y', both));
    expect(s.finish('a', 'done')).toEqual([{ jobId: 'x', backend: 'b1' }]);
    s.cancel('y', 'cancelled');
    expect(s.finish('b', 'done')).toEqual([]);
    expect([s.running, s.queued]).toEqual([1, 0]);
  });

  it('ignores a backend listed twice', () => {
    const { scheduler: s } = setup();
    s.submit(job('a'));
    s.submit(job('b', { backends: ['b1', 'b1'] }));
    expect(s.finish('a', 'done')).toEqual([{ jobId: 'b', backend: 'b1' }]);
    expect(s.finish('b', 'done')).toEqual([]);
  });
});

describe('Scheduler: capacity changes', () => {
  it('starts waiting jobs in order when a (backend, model) gains slots', () => {
    const { scheduler: s } = setup();
    ['a', 'b', 'c', 'd'].forEach((id) => s.submit(job(id)));
    expect(s.setCapacity('b1', 'm', 3)).toEqual([
      { jobId: 'b', backend: 'b1' },
      { jobId: 'c', backend: 'b1' },
    ]);
    expect(s.get('d')).toMatchObject({ state: 'queued', position: 1 });
  });

  it('applies a backend default to every model without an explicit count', () => {
    const { scheduler: s } = setup();
    s.setCapacity('b1', 'pinned', 1);
    for (const model of ['m1', 'm2', 'pinned'])
      ['1', '2'].forEach((n) => s.submit(job(model + n, { model })));
    const started = s.setBackendDefaultSlots('b1', 2).map((d) => d.jobId);
    expect(started.sort()).toEqual(['m12', 'm22']);
    expect(s.get('pinned2')?.state).toBe('queued');
  });

  it('lets running jobs finish when capacity drops, and starts nothing until below it', () => {
    const { scheduler: s } = setup();
    s.setCapacity('b1', 'm', 3);
    ['a', 'b', 'c', 'd'].forEach((id) => s.submit(job(id)));
    expect(s.setCapacity('b1', 'm', 1)).toEqual([]);
    expect(s.finish('a', 'done')).toEqual([]);
    expect(s.finish('b', 'done')).toEqual([]);
    expect(s.finish('c', 'done')).toEqual([{ jobId: 'd', backend: 'b1' }]);
  });

  it('rejects a slot count that is not a non-negative integer', () => {
    const { scheduler: s } = setup();
    expect(() => s.setCapacity('b1', 'm', -1)).toThrow(RangeError);
    expect(() => s.setBackendDefaultSlots('b1', 1.5)).toThrow(RangeError);
  });
});

describe('Scheduler: backend removal', () => {
  it('fails waiting jobs no backend can serve, keeps the others, lets running ones finish', () => {
    const { scheduler: s } = setup();
    s.submit(job('run'));
    s.submit(job('only-b1'));
    s.submit(job('either', { backends: ['b1', 'b2'] }));
    expect(s.get('either')?.state).toBe('running'); // b2 had a free slot
    s.submit(job('either2', { backends: ['b1', 'b2'] }));
    const removal = s.removeBackend('b1');
    expect(removal.dispatches).toEqual([]);
    expect(removal.stranded.map((x) => [x.jobId, x.error.kind])).toEqual([['only-b1', 'unavailable']]);
    expect(s.get('only-b1')?.state).toBe('failed');
    expect(s.get('either2')).toMatchObject({ state: 'queued', position: 1 });
    expect(s.finish('run', 'done')).toEqual([]); // b1 is gone: its slot is not reused
    expect(brief(s.submit(job('late')))).toBe('rejected:unavailable');
    expect(s.finish('either', 'done')).toEqual([{ jobId: 'either2', backend: 'b2' }]);
  });

  it('serves a backend again once it is configured again, counting jobs still running there', () => {
    const { scheduler: s } = setup();
    s.submit(job('a', { backends: ['b1'] }));
    s.submit(job('c', { backends: ['b2'] }));
    s.submit(job('b', { backends: ['b1', 'b2'] }));
    s.submit(job('d', { backends: ['b1', 'b2'] }));
    s.removeBackend('b1');
    expect(s.setBackendDefaultSlots('b1', 1)).toEqual([]); // 'a' still holds the only slot
    expect(s.finish('a', 'done')).toEqual([{ jobId: 'b', backend: 'b1' }]);
    s.removeBackend('b1');
    s.finish('b', 'done');
    expect(s.setCapacity('b1', 'm', 1)).toEqual([{ jobId: 'd', backend: 'b1' }]);
  });
});

describe('Scheduler: admission', () => {
  it.each([
    {
      name: 'global bound',
      options: { maxQueued: 2 },
      models: ['m1', 'm2', 'm1'],
      expected: ['queued#1', 'queued#1', 'rejected:queue_full'],
    },
    {
      name: 'per-model bound',
      options: { maxQueuedPerModel: 1 },
      models: ['m1', 'm1', 'm2'],
      expected: ['queued#1', 'rejected:queue_full', 'queued#1'],
    },
    {
      name: 'both bounds',
      options: { maxQueued: 3, maxQueuedPerModel: 2 },
      models: ['m1', 'm1', 'm1', 'm2', 'm2'],
      expected: ['queued#1', 'queued#2', 'rejected:queue_full', 'queued#1', 'rejected:queue_full'],
    },
  ])('rejects at the $name', ({ options, models, expected }) => {
    const { scheduler: s } = setup(options);
    s.setCapacity('b1', 'm1', 0);
    s.setCapacity('b1', 'm2', 0);
    expect(models.map((model, i) => brief(s.submit(job(`j${i}`, { model }))))).toEqual(expected);
    const refused = expected.filter((d) => d.startsWith('rejected')).length;
    expect(s.snapshot().rejected).toEqual(refused === 0 ? {} : { queue_full: refused });
  });

  it('reports queue_full at both bounds with a retryAfterMs from the processing average', () => {
    const { scheduler: s, clock } = setup({ maxQueued: 3, maxQueuedPerModel: 1, minRetryAfterMs: 1_000 });
    s.submit(job('warm'));
    clock.advance(20_000);
    s.finish('warm', 'done'); // one 20 s sample
    s.setCapacity('b1', 'm', 2);
    ['a', 'b', 'c'].forEach((id) => s.submit(job(id))); // a, b run; c waits
    const perModel = s.submit(job('d'));
    expect(perModel.type === 'rejected' && [perModel.error.kind, perModel.error.retryAfterMs]).toEqual([
      'queue_full',
      10_000,
    ]);
    s.setCapacity('b1', 'x', 0);
    s.setCapacity('b1', 'y', 0);
    s.submit(job('x1', { model: 'x' }));
    s.submit(job('y1', { model: 'y' }));
    const global = s.submit(job('z1', { model: 'z' })); // z has a free slot: dispatch beats the bound
    expect(global.type).toBe('dispatch');
    const full = s.submit(job('z2', { model: 'z' }));
    expect(full.type === 'rejected' && full.error.message).toMatch(/queue is full/);
    expect(full.type === 'rejected' && full.error.retryAfterMs).toBe(Math.round(20_000 / 3));
  });

  it('clamps retryAfterMs and uses the minimum without samples', () => {
    const { scheduler: s, clock } = setup({ maxQueued: 0, maxRetryAfterMs: 30_000 });
    s.setCapacity('b1', 'm', 0);
    const cold = s.submit(job('a'));
    expect(cold.type === 'rejected' && cold.error.retryAfterMs).toBe(1_000);
    s.submit(job('w', { model: 'slow' }));
    clock.advance(600_000);
    s.finish('w', 'done');
    const hot = s.submit(job('b'));
    expect(hot.type === 'rejected' && hot.error.retryAfterMs).toBe(30_000);
  });

  it.each([
    { name: 'duplicate live id', spec: { id: 'a' }, kind: 'invalid_request' },
    { name: 'empty id', spec: { id: '' }, kind: 'invalid_request' },
    { name: 'empty model', spec: { id: 'n', model: '' }, kind: 'invalid_request' },
    { name: 'no backends', spec: { id: 'n', backends: [] }, kind: 'unavailable' },
  ])('rejects $name', ({ spec, kind }) => {
    const { scheduler: s } = setup();
    s.submit(job('a'));
    const d = s.submit({ ...job('x'), ...spec });
    expect(d.type === 'rejected' && d.error).toBeInstanceOf(CorralError);
    expect(brief(d)).toBe(`rejected:${kind}`);
    expect(s.get('a')?.state).toBe('running'); // the original is untouched
  });

  it('accepts an id again once its job has finished', () => {
    const { scheduler: s } = setup();
    s.submit(job('a'));
    s.finish('a', 'done');
    expect(brief(s.submit(job('a')))).toBe('dispatch@b1');
    expect(s.get('a')?.state).toBe('running');
  });
});
