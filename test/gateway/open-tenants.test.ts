// Issue 5, open mode: a request's tenant comes from the API key the client sends (hashed, never in
// clear), else from its `x-corral-user` header, else from its address. The audit found the header
// winning over the key; the key now comes first. Checked end to end through /api/status, with the
// gateway's own log captured to prove the raw key appears nowhere.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import OpenAI from 'openai';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { createCorral } from '../../src/server/compose.js';
import type { Corral } from '../../src/server/compose.js';
import { createEmulator } from '../../src/sim/index.js';
import type { Emulator } from '../../src/sim/index.js';
import { postJson } from '../helpers/stack.js';

const KEY = 'sk-corral-test-4f1c9a7e2b';
const KEY_TENANT = `key:${createHash('sha256').update(KEY).digest('hex').slice(0, 16)}`;

let host: Emulator;
let corral: Corral;
let url: string;
let dataDir: string;
let logged: string;

// Like test/helpers/stack.ts, but with the gateway logging everything (prompts included) into
// `logged`, so the test can look for the key in it.
beforeEach(async () => {
  host = await createEmulator({ tps: 0, loadMs: 0 });
  dataDir = mkdtempSync(join(tmpdir(), 'corral-tenants-'));
  logged = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged += chunk.toString();
      done();
    },
  });
  const config = parseConfig({
    server: { port: 0 },
    store: { path: join(dataDir, 'corral.db') },
    logging: { logPrompts: true },
    backends: [{ name: 'sim-1', url: host.url, maxParallel: 1 }],
  });
  corral = await createCorral(config, pino({ level: 'trace' }, sink));
  url = await corral.listen();
});
afterEach(async () => {
  await corral.close();
  await host.close();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Status {
  queue: {
    tenants: Record<string, { completed: number }>;
    recent: Array<{ id: string; tenant: string }>;
  };
}

async function tenantOf(id: string): Promise<string | undefined> {
  const status = (await fetch(`${url}/api/status`).then((r) => r.json())) as Status;
  return status.queue.recent.find((r) => r.id === id)?.tenant;
}

function chat(id: string, headers: Record<string, string>): Promise<Response> {
  return postJson(
    `${url}/api/chat`,
    { model: 'llama3.2', stream: false, messages: [{ role: 'user', content: 'hi' }] },
    { headers: { 'x-request-id': id, ...headers } },
  );
}

describe('open-mode tenants', () => {
  it('a key wins over x-corral-user, which wins over the address; the key is never in clear', async () => {
    const cases: Array<[string, Record<string, string>, string]> = [
      // The key decides even when the client also names itself.
      ['key-and-user', { 'x-api-key': KEY, 'x-corral-user': 'alice' }, KEY_TENANT],
      ['bearer-and-user', { authorization: `Bearer ${KEY}`, 'x-corral-user': 'bob' }, KEY_TENANT],
      ['key-only', { 'x-api-key': KEY }, KEY_TENANT],
      ['user-only', { 'x-corral-user': 'alice' }, 'user:alice'],
      // A name that could not be a label is ignored rather than trusted.
      ['bad-user', { 'x-corral-user': 'alice smith' }, 'ip:127.0.0.1'],
      ['nothing', {}, 'ip:127.0.0.1'],
    ];
    for (const [id, headers] of cases) expect((await chat(id, headers)).status).toBe(200);

    // The same through an SDK, which always sends its key as a Bearer token.
    const client = new OpenAI({
      baseURL: `${url}/v1`,
      apiKey: KEY,
      maxRetries: 0,
      defaultHeaders: { 'x-corral-user': 'carol', 'x-request-id': 'sdk' },
    });
    const completion = await client.chat.completions.create({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hi [[sim:reply ok]]' }],
    });
    expect(completion.choices[0]?.message.content).toBe('ok');
    cases.push(['sdk', {}, KEY_TENANT]);

    for (const [id, , tenant] of cases) expect({ id, tenant: await tenantOf(id) }).toEqual({ id, tenant });
    const status = (await fetch(`${url}/api/status`).then((r) => r.json())) as Status;
    expect(status.queue.tenants[KEY_TENANT]?.completed).toBe(4);
    expect(Object.keys(status.queue.tenants)).not.toContain('user:bob');
    expect(Object.keys(status.queue.tenants)).not.toContain('user:carol');

    // Nowhere in clear: not in the status page, the metrics, or anything the gateway logged.
    const metrics = await fetch(`${url}/metrics`).then((r) => r.text());
    expect(JSON.stringify(status)).not.toContain(KEY);
    expect(metrics).not.toContain(KEY);
    expect(logged).toContain('"reqId":"key-and-user"'); // the log did capture these requests
    expect(logged).not.toContain(KEY);
  });
});
