// The gateway's queue in front of one Ollama host: slot limits, FIFO order, bounded size,
// deadlines and cancellation, observed from the emulator's side (what Ollama actually saw).
import { afterEach, describe, expect, it } from 'vitest';
import type { SimEvent } from '../../src/sim/index.js';
import { postJson, readNdjson, startStack, until } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  stack?.hosts.forEach((h) => h.control.releaseAll());
  await stack?.close();
  stack = undefined;
});

/** The emulator has 4 slots, so any serialisation we observe is the gateway's doing. */
async function holdingStack(config: Parameters<typeof startStack>[0] = {}): Promise<Stack> {
  stack = await startStack({ hosts: [{ tps: 0, loadMs: 0, parallel: 4 }], ...config });
  return stack;
}

function chat(s: Stack, id: string, text: string, init: RequestInit = {}, stream = false): Promise<Response> {
  return postJson(
    `${s.url}/api/chat`,
    { model: 'llama3.2', stream, messages: [{ role: 'user', content: text }] },
    { ...init, headers: { 'x-request-id': id } },
  );
}

function waitForState(s: Stack, id: string, state: string): Promise<unknown> {
  const scheduler = s.corral.scheduler;
  return until(
    () => scheduler.get(id)?.state === state,
    (wake) => {
      const offs = (['queued', 'dispatched', 'finished', 'cancelled'] as const).map((t) =>
        scheduler.on(t, wake),
      );
      return () => offs.forEach((off) => off());
    },
  );
}

function recordStarts(s: Stack): { labels: string[]; maxBusy: number } {
  const seen = { labels: [] as string[], maxBusy: 0 };
  s.hosts[0]!.control.on('request_started', (e) => {
    seen.maxBusy = Math.max(seen.maxBusy, e.busySlots);
  });
  s.hosts[0]!.control.on('request_held', (e) => {
    seen.labels.push(e.label ?? '');
  });
  return seen;
}

function heldNext(s: Stack, label: string): Promise<SimEvent> {
  return s.hosts[0]!.control.waitFor('request_held', (e) => e.label === label);
}

describe('gateway queue', () => {
  it('sends one request at a time to a 1-slot model, in arrival order', async () => {
    const s = await holdingStack();
    const seen = recordStarts(s);
    const first = chat(s, 'q1', 'a [[sim:hold q1]]');
    await heldNext(s, 'q1');
    const rest = ['q2', 'q3', 'q4'].map((id) => {
      const res = chat(s, id, `x [[sim:hold ${id}]]`);
      return res;
    });
    for (const id of ['q2', 'q3', 'q4']) await waitForState(s, id, 'queued');
    expect(s.corral.scheduler.get('q4')).toMatchObject({ state: 'queued', position: 3, ahead: 2 });
    const queueAnswer = await fetch(`${s.url}/api/queue/q3`).then((r) => r.json());
    expect(queueAnswer).toMatchObject({
      id: 'q3',
      state: 'queued',
      position: 2,
      ahead: 1,
      model: 'llama3.2',
    });

    for (const id of ['q1', 'q2', 'q3', 'q4']) {
      if (id !== 'q1') await heldNext(s, id);
      expect(s.hosts[0]!.control.stats().active).toEqual({ 'llama3.2:latest': 1 });
      s.hosts[0]!.control.release(id);
    }
    const answers = await Promise.all([first, ...rest]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(seen.labels).toEqual(['q1', 'q2', 'q3', 'q4']);
    expect(seen.maxBusy).toBe(1);
  });

  it('lets as many through as the configured slots', async () => {
    const s = await holdingStack({ maxParallel: 2 });
    const seen = recordStarts(s);
    const answers = ['p1', 'p2', 'p3'].map((id) => chat(s, id, `x [[sim:hold ${id}]]`));
    await Promise.all([heldNext(s, 'p1'), heldNext(s, 'p2')]);
    await waitForState(s, 'p3', 'queued');
    expect(s.hosts[0]!.control.stats().active).toEqual({ 'llama3.2:latest': 2 });
    s.hosts[0]!.control.release('p1');
    await heldNext(s, 'p3');
    s.hosts[0]!.control.releaseAll();
    expect((await Promise.all(answers)).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(seen.maxBusy).toBe(2);
  });

  it('answers 503 with retry-after in Ollama shape when the queue is full', async () => {
    const s = await holdingStack({ config: { scheduler: { maxQueued: 1, retryAfterMs: 3000 } } });
    const running = chat(s, 'f1', 'a [[sim:hold]]');
    await waitForState(s, 'f1', 'running');
    const queued = chat(s, 'f2', 'b');
    await waitForState(s, 'f2', 'queued');
    const rejected = await chat(s, 'f3', 'c');
    expect(rejected.status).toBe(503);
    expect(rejected.headers.get('retry-after')).toBe('3');
    expect(rejected.headers.get('x-request-id')).toBe('f3');
    const body = (await rejected.json()) as { error: string };
    expect(typeof body.error).toBe('string');
    expect(body.error).toMatch(/queue/i);
    s.hosts[0]!.control.releaseAll();
    expect((await running).status).toBe(200);
    expect((await queued).status).toBe(200);
  });

  it('times a request out of the queue after maxQueueWaitMs', async () => {
    const s = await holdingStack({ config: { scheduler: { maxQueueWaitMs: 150 } } });
    const running = chat(s, 't1', 'a [[sim:hold]]');
    await waitForState(s, 't1', 'running');
    const late = await chat(s, 't2', 'b');
    expect(late.status).toBe(504);
    expect(((await late.json()) as { error: string }).error).toMatch(/no slot .* became free within 150 ms/);
    expect(s.corral.scheduler.get('t2')?.state).toBe('timed_out');
    s.hosts[0]!.control.releaseAll();
    expect((await running).status).toBe(200);
  });

  it('a streamed request that has to wait gets its headers and id at once', async () => {
    const s = await holdingStack();
    const running = chat(s, 's1', 'a [[sim:hold]]');
    await waitForState(s, 's1', 'running');
    const waiting = await chat(s, 's2', 'b [[sim:reply done]]', {}, true);
    // Headers arrived while the request is still queued behind s1.
    expect(waiting.status).toBe(200);
    expect(waiting.headers.get('x-request-id')).toBe('s2');
    expect(waiting.headers.get('content-type')).toBe('application/x-ndjson');
    expect(s.corral.scheduler.get('s2')?.state).toBe('queued');
    s.hosts[0]!.control.releaseAll();
    const lines = await readNdjson(waiting);
    expect(lines.map((l) => (l.message as { content: string }).content).join('')).toBe('done');
    expect(lines.at(-1)).toMatchObject({ done: true, done_reason: 'stop' });
    expect((await running).status).toBe(200);
  });
});

describe('cancellation', () => {
  it('a client leaving while queued leaves the queue at once and never reaches Ollama', async () => {
    const s = await holdingStack();
    const seen = recordStarts(s);
    const running = chat(s, 'c1', 'a [[sim:hold c1]]');
    await heldNext(s, 'c1');
    const controller = new AbortController();
    const leaving = chat(s, 'c2', 'b [[sim:hold c2]]', { signal: controller.signal }).catch(
      (err: unknown) => err,
    );
    const behind = chat(s, 'c3', 'c [[sim:hold c3]]');
    await waitForState(s, 'c3', 'queued');
    expect(s.corral.scheduler.get('c3')?.position).toBe(2);
    controller.abort();
    await waitForState(s, 'c2', 'cancelled');
    expect(s.corral.scheduler.get('c3')?.position).toBe(1);
    expect(await leaving).toBeInstanceOf(Error);
    s.hosts[0]!.control.release('c1');
    await heldNext(s, 'c3');
    s.hosts[0]!.control.release('c3');
    await Promise.all([running, behind]);
    expect(seen.labels).toEqual(['c1', 'c3']);
  });

  it.each([false, true])(
    'a client leaving in flight aborts the upstream request (stream %s)',
    async (stream) => {
      const s = await holdingStack();
      const controller = new AbortController();
      const res = chat(s, 'i1', 'a [[sim:hang]]', { signal: controller.signal }, stream);
      await waitForState(s, 'i1', 'running');
      const aborted = s.hosts[0]!.control.waitFor('request_aborted');
      if (stream) {
        // Read the headers first so the abort happens mid-response.
        await s.hosts[0]!.control.waitFor('request_started');
      }
      controller.abort();
      await expect(res).rejects.toThrow();
      const event = await aborted;
      expect(event).toMatchObject({ model: 'llama3.2:latest' });
      await waitForState(s, 'i1', 'cancelled');
      expect(s.corral.scheduler.snapshot().running).toBe(0);
      // The slot is free again: the next request runs.
      const next = await chat(s, 'i2', 'b [[sim:reply ok]]');
      expect(((await next.json()) as { message: { content: string } }).message.content).toBe('ok');
    },
  );
});
