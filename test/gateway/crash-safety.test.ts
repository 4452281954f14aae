// Crash safety (issue 7): the gateway runs as its own process (`corral serve`) on a SQLite file,
// serves load, and is SIGKILLed mid-load. After that the database opens, and every request whose
// response a client had fully received has its usage row: a row is committed before the end of
// its response is sent.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmulator } from '../../src/sim/index.js';
import { openStore } from '../../src/store/open-store.js';
import { postJson, readNdjson } from '../helpers/stack.js';

const dir = mkdtempSync(join(tmpdir(), 'corral-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** Starts `corral serve` in a child process and resolves with its URL from the "listening" log line. */
function serve(ollama: string, dbPath: string) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', main, 'serve', '--port', '0', '--ollama', ollama],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CORRAL_STORE__PATH: dbPath, CORRAL_LOGGING__LEVEL: 'info' },
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  const url = new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const match = /"url":"(http:[^"]+)".*"msg":"corral is listening"/.exec(line);
        if (match?.[1] !== undefined) resolve(match[1]);
      }
    });
    void exited.then(() => reject(new Error(`corral serve exited before listening: ${stderr}`)));
  });
  return { child, url, exited };
}

describe('crash safety', () => {
  it('keeps the usage row of every request answered before the gateway was killed', async () => {
    const sim = await createEmulator({ tps: 0, loadMs: 0, parallel: 4 });
    const dbPath = join(dir, 'data', 'corral.db');
    const gateway = serve(sim.url, dbPath);
    const url = await gateway.url;
    const answered: string[] = [];
    let killed = false;
    let next = 0;

    // Four clients in a loop, streaming and not; the gateway is killed while some are in flight.
    const worker = async () => {
      while (!killed) {
        const id = `crash-${next++}`;
        const stream = next % 2 === 0;
        try {
          const res = await postJson(
            `${url}/api/chat`,
            { model: 'llama3.2', stream, messages: [{ role: 'user', content: '[[sim:reply a b c]]' }] },
            { headers: { 'x-request-id': id } },
          );
          if (res.status !== 200) throw new Error(`status ${res.status}`);
          if (stream) {
            const lines = await readNdjson(res);
            if (lines.at(-1)?.['done'] !== true) throw new Error('stream ended early');
          } else {
            await res.json();
          }
          answered.push(id);
        } catch (err) {
          if (!killed) throw err;
        }
        if (answered.length >= 60 && !killed) {
          killed = true;
          gateway.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    expect(await gateway.exited).toBe('SIGKILL');
    await sim.close();

    const store = await openStore({ kind: 'sqlite', path: dbPath });
    try {
      const rows = await store.listUsage({ from: 0, to: Number.MAX_SAFE_INTEGER, limit: 100_000 });
      const present = new Set(rows.map((r) => r.requestId));
      expect(answered.length).toBeGreaterThanOrEqual(60);
      expect(answered.filter((id) => !present.has(id))).toEqual([]);
    } finally {
      await store.close();
    }
  }, 60_000);
});
