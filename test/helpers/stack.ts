import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Logger } from 'pino';
import type { Store } from '../../src/core/store-port.js';
import { parseConfig } from '../../src/config/index.js';
import type { ConfigInput } from '../../src/config/index.js';
import { createCorral } from '../../src/server/compose.js';
import type { Corral } from '../../src/server/compose.js';
import { createEmulator } from '../../src/sim/index.js';
import type { Emulator, EmulatorOptions } from '../../src/sim/index.js';

export interface Stack {
  /** Gateway base URL. */
  url: string;
  corral: Corral;
  hosts: Emulator[];
  /** The gateway's store (keys, tenants, quotas, usage). */
  store: Store;
  close(): Promise<void>;
}

export interface StackOptions {
  /** One emulator per entry (default: one instant emulator). */
  hosts?: EmulatorOptions[];
  /** Extra config merged over the generated one (backends are filled from the hosts). */
  config?: Omit<ConfigInput, 'backends'> & { backends?: ConfigInput['backends'] };
  /** Slots per model the gateway allows on each backend (default 1, Ollama's default). */
  maxParallel?: number;
  /**
   * Wall clock (epoch ms) for the store and usage rows: move it to reset quota windows. The
   * store defaults to a fresh SQLite file in a temp dir (removed on close) unless `config.store`
   * names one (e.g. Postgres).
   */
  now?: () => number;
  /** The gateway's logger (default: silent). */
  log?: Logger;
}

/** Instant upstream: no token pacing, no load time. */
export const INSTANT: EmulatorOptions = { tps: 0, loadMs: 0 };

/**
 * Starts emulated Ollama hosts and a gateway in front of them, all on 127.0.0.1 with ephemeral
 * ports (STYLE.md: `startStack`). `close()` stops everything; call it in afterEach.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const hosts = await Promise.all((options.hosts ?? [INSTANT]).map((o) => createEmulator(o)));
  const dataDir = mkdtempSync(join(tmpdir(), 'corral-stack-'));
  const config = parseConfig({
    ...options.config,
    server: { port: 0, ...options.config?.server },
    store: options.config?.store ?? { path: join(dataDir, 'corral.db') },
    backends:
      options.config?.backends ??
      hosts.map((h, i) => ({ name: `sim-${i + 1}`, url: h.url, maxParallel: options.maxParallel ?? 1 })),
  });
  const corral = await createCorral(
    config,
    options.log ?? pino({ level: 'silent' }),
    options.now === undefined ? {} : { now: options.now },
  );
  const url = await corral.listen();
  return {
    url,
    corral,
    hosts,
    store: corral.store,
    async close() {
      await corral.close();
      await Promise.all(hosts.map((h) => h.close()));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * One gateway and one instant emulator with 4 slots, shared by every test of a file: started
 * before the first test, its held requests released after each, closed after the last. The
 * returned object reads through to the running stack, so tests use it like a `Stack`.
 */
export function sharedStack(options: StackOptions = { hosts: [{ tps: 0, loadMs: 0, parallel: 4 }] }): Stack {
  let inner: Stack | undefined;
  const get = (): Stack => {
    if (inner === undefined) throw new Error('the shared stack is used outside a test');
    return inner;
  };
  beforeAll(async () => {
    inner = await startStack(options);
  });
  afterEach(() => inner?.hosts.forEach((h) => h.control.releaseAll()));
  afterAll(() => inner?.close());
  return {
    get url() {
      return get().url;
    },
    get corral() {
      return get().corral;
    },
    get hosts() {
      return get().hosts;
    },
    get store() {
      return get().store;
    },
    close: () => get().close(),
  };
}

/** Reads an NDJSON response body into parsed objects. */
export async function readNdjson(res: Response): Promise<Array<Record<string, unknown>>> {
  const text = await res.text();
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** POSTs JSON and returns the fetch Response. */
export function postJson(url: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Resolves when `check()` returns a truthy value, re-checking after each event of `subscribe`. */
export function until<T>(
  check: () => T | undefined | false,
  subscribe: (wake: () => void) => () => void,
): Promise<T> {
  return new Promise((resolve) => {
    const first = check();
    if (first) return resolve(first);
    const off = subscribe(() => {
      const value = check();
      if (value) {
        off();
        resolve(value);
      }
    });
  });
}

/** Resolves when request `id` is waiting in the gateway's queue. */
export function queued(s: Stack, id: string): Promise<unknown> {
  return until(
    () => s.corral.scheduler.get(id)?.state === 'queued',
    (wake) => s.corral.scheduler.on('queued', wake),
  );
}

/**
 * Releases requests held on the first host (`[[sim:hold LABEL]]`) one at a time, as each takes
 * the slot, and returns their labels in the order they started.
 */
export async function releaseInOrder(s: Stack, count: number): Promise<string[]> {
  const order: string[] = [];
  for (let i = 0; i < count; i++) {
    const held = await s.hosts[0]!.control.waitFor('request_held');
    const label = 'label' in held ? (held.label ?? '') : '';
    order.push(label);
    s.hosts[0]!.control.release(label);
  }
  return order;
}
