// Crash safety (issue 7): the gateway runs as its own process (`corral serve`) on a SQLite file,
// serves load, and is SIGKILLed mid-load. Then `corral serve` starts again on the same file (a
// crash must not leave a database that refuses to open or migrate), reports the usage of every
// request whose response a client had fully received (a row is committed before the end of its
// response is sent), and keeps serving and metering.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
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

// A failed assertion must not leave a gateway process behind.
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

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
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
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
  it('keeps the usage row of every request answered before the gateway was killed, and serves again on the same file', async () => {
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
    expect((await gateway.exited).signal).toBe('SIGKILL');
    expect(answered.length).toBeGreaterThanOrEqual(60);

    try {
      // The same command on the same file: it must start, and its usage API must count every
      // answered request (requests in flight at the kill may have rows too, hence >=).
      const restarted = serve(sim.url, dbPath);
      const again = await restarted.url;
      const usage = async () => {
        const res = await fetch(`${again}/api/usage?from=0&groupBy=status`);
        expect(res.status).toBe(200);
        const { groups } = (await res.json()) as {
          groups: Array<{ group: { status?: string }; requests: number }>;
        };
        return groups.find((g) => g.group.status === 'ok')?.requests ?? 0;
      };
      const before = await usage();
      expect(before).toBeGreaterThanOrEqual(answered.length);

      // It still serves and meters: one more request adds one row.
      const after = await postJson(
        `${again}/api/chat`,
        { model: 'llama3.2', stream: false, messages: [{ role: 'user', content: '[[sim:reply d]]' }] },
        { headers: { 'x-request-id': 'after-restart' } },
      );
      expect(after.status).toBe(200);
      await after.json();
      expect(await usage()).toBe(before + 1);

      restarted.child.kill('SIGTERM');
      expect(await restarted.exited).toEqual({ code: 0, signal: null });
    } finally {
      await sim.close();
    }

    // Row by row: each answered request, and the one served after the restart.
    const store = await openStore({ kind: 'sqlite', path: dbPath });
    try {
      const rows = await store.listUsage({ from: 0, to: Number.MAX_SAFE_INTEGER, limit: 100_000 });
      const present = new Set(rows.map((r) => r.requestId));
      expect([...answered, 'after-restart'].filter((id) => !present.has(id))).toEqual([]);
    } finally {
      await store.close();
    }
  }, 90_000);
});
