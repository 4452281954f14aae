import { describe, expect, it } from 'vitest';
import { brief, job, setup } from './test-helpers.js';

describe('Scheduler: cancellation', () => {
  it('removes a queued job at once and moves the jobs behind it up', () => {
    const { scheduler: s, events } = setup();
    ['a', 'b', 'c', 'd', 'e'].forEach((id) => s.submit(job(id)));
    events.length = 0;
    expect(s.cancel('c', 'cancelled')).toEqual([]);
    expect(['b', 'd', 'e'].map((id) => s.get(id)?.position)).toEqual([1, 2, 3]);
    expect(s.get('d')?.ahead).toBe(1);
    expect(s.get('c')).toMatchObject({ state: 'cancelled', finishedAtMs: 1_000 });
    expect(s.get('c')?.position).toBeUndefined();
    expect(events).toEqual([
      { type: 'cancelled', jobId: 'c', model: 'm', tenant: 't', state: 'cancelled', wasRunning: false },
      { type: 'positions_changed', model: 'm', fromPosition: 2, length: 3 },
    ]);
    // The cancelled job is skipped when the slot frees.
    expect(s.finish('a', 'done')).toEqual([{ jobId: 'b', backend: 'b1' }]);
    expect(s.finish('b', 'done')).toEqual([{ jobId: 'd', backend: 'b1' }]);
  });

  it('does not announce moved positions when the last job in line leaves', () => {
    const { scheduler: s, events } = setup();
    ['a', 'b', 'c'].forEach((id) => s.submit(job(id)));
    events.length = 0;
    s.cancel('c', 'timed_out');
    expect(events.map((e) => e.type)).toEqual(['cancelled']);
    expect(s.get('c')?.state).toBe('timed_out');
  });

  it('frees a running job’s slot and dispatches the next', () => {
    const { scheduler: s } = setup();
    ['a', 'b', 'c'].forEach((id) => s.submit(job(id)));
    expect(s.cancel('a', 'cancelled')).toEqual([{ jobId: 'b', backend: 'b1' }]);
    expect(s.get('a')).toMatchObject({ state: 'cancelled', backend: 'b1' });
    expect(s.get('c')?.position).toBe(1);
  });

  // Each sequence ends with the same check: exactly one slot, so one new job runs and one waits.
  it.each([
    {
      name: 'cancel twice',
      steps: [
        ['cancel', 'a'],
        ['cancel', 'a'],
      ],
    },
    {
      name: 'finish after cancel',
      steps: [
        ['cancel', 'a'],
        ['finish', 'a'],
      ],
    },
    {
      name: 'cancel after finish',
      steps: [
        ['finish', 'a'],
        ['cancel', 'a'],
      ],
    },
    {
      name: 'finish twice',
      steps: [
        ['finish', 'a'],
        ['finish', 'a'],
      ],
    },
    {
      name: 'timed out then cancelled',
      steps: [
        ['timeout', 'a'],
        ['cancel', 'a'],
      ],
    },
    {
      name: 'unknown id',
      steps: [
        ['finish', 'a'],
        ['cancel', 'nope'],
        ['finish', 'nope'],
      ],
    },
  ])('never frees a slot twice: $name', ({ steps }) => {
    const { scheduler: s } = setup();
    s.submit(job('a'));
    for (const [op, id = ''] of steps) {
      if (op === 'cancel') s.cancel(id, 'cancelled');
      else if (op === 'timeout') s.cancel(id, 'timed_out');
      else s.finish(id, 'done');
    }
    expect([brief(s.submit(job('x'))), brief(s.submit(job('y')))]).toEqual(['dispatch@b1', 'queued#1']);
    expect(s.running).toBe(1);
    expect(s.snapshot().backends).toEqual({ b1: { running: 1, models: { m: 1 } } });
  });

  it('handles a cancel in the same tick as the grant (the gateway found its client gone)', () => {
    const { scheduler: s } = setup();
    ['a', 'b', 'c'].forEach((id) => s.submit(job(id)));
    expect(s.finish('a', 'done')).toEqual([{ jobId: 'b', backend: 'b1' }]);
    expect(s.cancel('b', 'cancelled')).toEqual([{ jobId: 'c', backend: 'b1' }]);
    expect(s.finish('b', 'done')).toEqual([]);
    expect(s.cancel('b', 'cancelled')).toEqual([]);
    expect([s.get('b')?.state, s.get('c')?.state, s.running]).toEqual(['cancelled', 'running', 1]);
  });

  it('treats finish of a job that is still queued as a no-op', () => {
    const { scheduler: s } = setup();
    ['a', 'b'].forEach((id) => s.submit(job(id)));
    expect(s.finish('b', 'done')).toEqual([]);
    expect(s.get('b')).toMatchObject({ state: 'queued', position: 1 });
  });
});

describe('Scheduler: job records', () => {
  it('answers get() through every state with the clock’s times', () => {
    const { scheduler: s, clock } = setup();
    s.submit(job('a'));
    s.submit(job('b', { tenant: 'alice' }));
    expect(s.get('b')).toEqual({
      id: 'b',
      state: 'queued',
      model: 'm',
      tenant: 'alice',
      position: 1,
      ahead: 0,
      enqueuedAtMs: 1_000,
    });
    clock.advance(50);
    s.finish('a', 'done');
    expect(s.get('b')).toEqual({
      id: 'b',
      state: 'running',
      model: 'm',
      tenant: 'alice',
      backend: 'b1',
      enqueuedAtMs: 1_000,
      startedAtMs: 1_050,
    });
    clock.advance(70);
    s.finish('b', 'failed');
    expect(s.get('b')).toMatchObject({ state: 'failed', startedAtMs: 1_050, finishedAtMs: 1_120 });
    expect(s.get('missing')).toBeUndefined();
  });

  it('keeps only the most recent finished jobs, but never drops queued or running ones', () => {
    const { scheduler: s } = setup({ recentJobsLimit: 3 });
    s.setCapacity('b1', 'held', 0);
    s.submit(job('waiting', { model: 'held' }));
    for (let i = 0; i < 6; i++) {
      s.submit(job(`j${i}`));
      s.finish(`j${i}`, 'done');
    }
    s.submit(job('busy'));
    expect(['j0', 'j1', 'j2'].map((id) => s.get(id))).toEqual([undefined, undefined, undefined]);
    expect(['j3', 'j4', 'j5'].map((id) => s.get(id)?.state)).toEqual(['done', 'done', 'done']);
    expect([s.get('waiting')?.state, s.get('busy')?.state]).toEqual(['queued', 'running']);
  });

  it('keeps a reused id’s new record when its old one would be evicted', () => {
    const { scheduler: s } = setup({ recentJobsLimit: 2 });
    s.submit(job('a'));
    s.finish('a', 'failed');
    s.submit(job('a')); // reuse: the old record is forgotten
    s.finish('a', 'done');
    s.submit(job('b'));
    s.finish('b', 'done'); // evicts the ring slot of the old 'a', which is not the live record
    expect([s.get('a')?.state, s.get('b')?.state]).toEqual(['done', 'done']);
  });
});
