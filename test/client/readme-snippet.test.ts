// The README's "Client library: use it from TypeScript" code, run as written: its config.yml and
// its TypeScript are copied out of README.md into a temp dir, the config pointed at a test gateway
// (whose only slot is taken, so the request has to queue) and the 'corral/client' import pointed
// at this checkout's source; then `tsx` runs it as a child process, as an app would run it.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SECTION = 'Client library: use it from TypeScript';
/** The whole run (tsx compiling the client on a cold cache included) must end within this. */
const CHILD_TIMEOUT_MS = 60_000;

let stack: Stack | undefined;
let child: ChildProcess | undefined;
let dir: string | undefined;

afterEach(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  stack?.hosts.forEach((h) => h.control.releaseAll());
  await stack?.close();
  stack = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** The README section's ```ts block and the ```yaml block just before it. */
function readmeSnippets(): { yaml: string; ts: string } {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith(`${SECTION}\n`));
  if (section === undefined) throw new Error(`README.md has no "## ${SECTION}" section`);
  const blocks = [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
    lang: m[1] ?? '',
    text: m[2] ?? '',
  }));
  const at = blocks.findIndex((b) => b.lang === 'ts');
  const ts = blocks[at];
  const yaml = blocks[at - 1];
  if (ts === undefined || yaml?.lang !== 'yaml')
    throw new Error(`"${SECTION}" should have a yaml block followed by a ts block`);
  return { yaml: yaml.text, ts: ts.text };
}

/** Replaces exactly one occurrence, so a README change that breaks the rewrite fails loudly. */
function replaceOnce(text: string, pattern: RegExp, replacement: string, what: string): string {
  const count = text.match(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`))?.length ?? 0;
  if (count !== 1) throw new Error(`expected one ${what} in the README snippet, found ${count}`);
  return text.replace(pattern, replacement);
}

interface Run {
  /** Everything written to stdout so far. */
  stdout: () => string;
  /** Resolves when stdout matches (rejects if the process ends first). */
  printed: (pattern: RegExp) => Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function run(cwd: string, file: string): Run {
  // The snippet reads process.env: keep the caller's API_* settings from redirecting it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('API_')));
  const proc = spawn(join(root, 'node_modules/.bin/tsx'), [file], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: CHILD_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  child = proc;
  let stdout = '';
  let stderr = '';
  const watchers: Array<() => void> = [];
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    watchers.splice(0).forEach((w) => w());
  });
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exit = new Promise<Awaited<Run['exit']>>((resolve) =>
    proc.on('close', (code, signal) => {
      resolve({ code, signal, stdout, stderr });
      watchers.splice(0).forEach((w) => w());
    }),
  );
  const printed = (pattern: RegExp): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const match = pattern.exec(stdout);
        if (match !== null) resolve(match[0]);
        else if (proc.exitCode !== null || proc.signalCode !== null)
          reject(new Error(`exited before printing ${pattern}:\n${stdout}\n${stderr}`));
        else watchers.push(check);
      };
      check();
    });
  return { stdout: () => stdout, printed, exit };
}

describe('README: use it from TypeScript', () => {
  it('runs as written against a gateway: queue notice, streamed text, tool calls and usage', async () => {
    stack = await startStack({ hosts: [{ tps: 0, loadMs: 0, parallel: 4 }] });
    const s = stack;
    const host = s.hosts[0]!;
    const held = postJson(`${s.url}/api/chat`, {
      model: 'llama3.2',
      stream: false,
      messages: [{ role: 'user', content: '[[sim:hold first]]' }],
    });
    held.catch(() => {}); // awaited below; this keeps a failed run from reporting it twice
    await host.control.waitFor('request_held');

    const { yaml, ts } = readmeSnippets();
    dir = mkdtempSync(join(tmpdir(), 'corral-readme-'));
    writeFileSync(
      join(dir, 'config.yml'),
      replaceOnce(yaml, /(^\s*corral_url:\s*)\S+/m, `$1${s.url}`, 'corral_url'),
    );
    const client = pathToFileURL(join(root, 'src/client/index.ts')).href;
    writeFileSync(
      join(dir, 'main.ts'),
      replaceOnce(ts, /'corral\/client'/, `'${client}'`, "'corral/client'"),
    );
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n'); // top-level await, as in an ESM app

    const received = host.control.waitFor('request_received', (e) => e.endpoint === 'chat');
    const app = run(dir, 'main.ts');
    await app.printed(/In the queue at position 1, about \d+s\n/);
    host.control.release('first');
    const { code, signal, stdout, stderr } = await app.exit;
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });

    // After the last queue line: the streamed answer, then console.log('\n', toolCalls, usage).
    const afterQueue = stdout.slice(stdout.lastIndexOf('In the queue at position'));
    const answer = /^In the queue at position 1, about \d+s\n([\s\S]+?)\n \[\] \{/.exec(afterQueue);
    expect(answer, stdout).not.toBeNull();
    expect(answer![1]!.trim()).not.toBe('');
    expect(stdout).toMatch(/input_tokens: [1-9]\d*/);
    expect(stdout).toMatch(/output_tokens: [1-9]\d*/);
    const body = (await received).body as unknown as { messages: Array<{ role: string; content: string }> };
    expect(body.messages).toEqual([
      { role: 'system', content: 'You are brief.' },
      { role: 'user', content: 'Hello!' },
    ]);
    expect((await held).status).toBe(200);
  }, 90_000);
});
