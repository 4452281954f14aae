// `--log-level debug` shows each request's life (queued, dispatched, finished) with its id, and
// still no prompt text: logs are read by operators, prompts belong to users.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  stack?.hosts.forEach((h) => h.control.releaseAll());
  await stack?.close();
  stack = undefined;
});

function capture(level: string): { log: pino.Logger; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    log: pino({ level }, sink),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const SECRET = 'the secret plan for the board meeting';

async function twoRequests(s: Stack): Promise<void> {
  const held = s.hosts[0]!.control.waitFor('request_held');
  const first = postJson(
    `${s.url}/api/chat`,
    { model: 'llama3.2', stream: false, messages: [{ role: 'user', content: `${SECRET} [[sim:hold]]` }] },
    { headers: { 'x-request-id': 'first' } },
  );
  await held;
  const queued = new Promise<void>((resolve) => {
    const off = s.corral.scheduler.on('queued', () => {
      off();
      resolve();
    });
  });
  const second = postJson(
    `${s.url}/api/chat`,
    { model: 'llama3.2', stream: false, messages: [{ role: 'user', content: `${SECRET} [[sim:reply ok]]` }] },
    { headers: { 'x-request-id': 'second' } },
  );
  await queued;
  s.hosts[0]!.control.releaseAll();
  await (await first).text();
  await (await second).text();
}

describe('log levels', () => {
  it('debug traces queued, dispatched and finished per request id, without prompt text', async () => {
    const { log, lines } = capture('debug');
    stack = await startStack({ log });
    await twoRequests(stack);
    await stack.corral.metering.drain();
    const second = lines().filter((l) => l['reqId'] === 'second');
    expect(second.map((l) => l['msg'])).toEqual(
      expect.arrayContaining(['queued', 'dispatched', 'request finished']),
    );
    expect(second.find((l) => l['msg'] === 'queued')).toMatchObject({ position: 1, model: 'llama3.2' });
    expect(second.find((l) => l['msg'] === 'request finished')).toMatchObject({
      outcome: 'done',
      backend: 'sim-1',
    });
    expect(JSON.stringify(lines())).not.toContain('secret plan');
  });

  it('info stays quiet about the queue', async () => {
    const { log, lines } = capture('info');
    stack = await startStack({ log });
    await twoRequests(stack);
    expect(lines().filter((l) => l['msg'] === 'queued' || l['msg'] === 'dispatched')).toEqual([]);
  });
});
