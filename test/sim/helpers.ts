import { request } from 'node:http';
import { createEmulator } from '../../src/sim/index.js';
import type { Emulator, EmulatorOptions } from '../../src/sim/index.js';

/** Emulators started by a test file; `closeAll()` in afterEach. Defaults are instant. */
const open: Emulator[] = [];

export async function startSim(options: EmulatorOptions = {}): Promise<Emulator> {
  const emu = await createEmulator({ tps: 0, loadMs: 0, promptTps: 0, ...options });
  open.push(emu);
  return emu;
}

export async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((e) => e.close()));
}

export interface RawResponse {
  status: number;
  contentType: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** POSTs a raw body (string or JSON value) and reads the whole answer. */
export async function post(
  emu: Emulator,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const res = await fetch(emu.url + path, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers,
  });
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? undefined,
    headers: Object.fromEntries(res.headers),
    text: await res.text(),
  };
}

export async function get(emu: Emulator, path: string, method = 'GET'): Promise<RawResponse> {
  const res = await fetch(emu.url + path, { method });
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? undefined,
    headers: Object.fromEntries(res.headers),
    text: await res.text(),
  };
}

export function lines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export function json(r: RawResponse): Record<string, unknown> {
  return JSON.parse(r.text) as Record<string, unknown>;
}

/**
 * A streaming POST over node:http that can be destroyed mid-way. `firstLine` resolves with the
 * first NDJSON line (or undefined if the response ends without one).
 */
export function openStream(
  emu: Emulator,
  path: string,
  body: unknown,
): { firstLine: Promise<string | undefined>; done: Promise<string>; destroy: () => void } {
  const url = new URL(emu.url + path);
  let resolveFirst: (v: string | undefined) => void = () => undefined;
  const firstLine = new Promise<string | undefined>((r) => (resolveFirst = r));
  let all = '';
  const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST' });
  const done = new Promise<string>((resolve) => {
    req.on('response', (res) => {
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        all += c;
        const nl = all.indexOf('\n');
        if (nl >= 0) resolveFirst(all.slice(0, nl));
      });
      res.on('end', () => {
        resolveFirst(undefined);
        resolve(all);
      });
      res.on('error', () => resolve(all));
      res.on('aborted', () => resolve(all));
    });
    req.on('error', () => {
      resolveFirst(undefined);
      resolve(all);
    });
    req.on('close', () => resolve(all));
  });
  req.end(JSON.stringify(body));
  return { firstLine, done, destroy: () => req.destroy() };
}

export const user = (content: string): { role: string; content: string } => ({ role: 'user', content });
