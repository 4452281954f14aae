import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/index.js';
import type { ConfigInput } from '../../src/config/index.js';
import type { FleetEvent } from '../../src/core/fleet.js';
import { createCorral } from '../../src/server/compose.js';
import type { Corral } from '../../src/server/compose.js';
import { createEmulator } from '../../src/sim/index.js';
import type { Emulator, EmulatorOptions } from '../../src/sim/index.js';
import { postJson } from '../helpers/stack.js';

type BackendInput = NonNullable<ConfigInput['backends']>[number];

export interface FleetHost {
  /** Emulator options; the port is kept when the host is restarted. */
  sim?: EmulatorOptions;
  /** Backend config besides name and URL (maxParallel defaults to 1). */
  backend?: Omit<BackendInput, 'name' | 'url'>;
  /** Models loaded on the host before the gateway starts (no request goes through Corral). */
  preload?: string[];
}

export interface FleetStack {
  url: string;
  corral: Corral;
  hosts: Emulator[];
  /** Backend name of each request id, from the gateway's `request_finished` events. */
  servedBy: Map<string, string | undefined>;
  /** Resolves on the next fleet event matching `filter` (subscribe before acting). */
  nextFleetEvent(filter: (e: FleetEvent) => boolean): Promise<FleetEvent>;
  /** Starts a fresh emulator on host `i`'s old port (after `hosts[i].close()`), optionally changed. */
  restart(i: number, changes?: EmulatorOptions): Promise<Emulator>;
  close(): Promise<void>;
}

const INSTANT: EmulatorOptions = { tps: 0, loadMs: 0 };

/**
 * Several emulated Ollama hosts behind one gateway, named sim-1, sim-2, … (like `startStack`),
 * with per-host backend settings and preloaded models. The fleet timer is off unless asked for:
 * tests wait for the events they cause, never for a timer.
 */
export async function startFleet(
  hosts: FleetHost[],
  fleet: ConfigInput['fleet'] = {},
  /** Further config sections (fallback, auth, scheduler …). */
  extra: Omit<ConfigInput, 'server' | 'store' | 'fleet' | 'backends'> = {},
): Promise<FleetStack> {
  const sims = await Promise.all(hosts.map((h) => createEmulator({ ...INSTANT, ...h.sim })));
  await Promise.all(
    hosts.flatMap((h, i) =>
      (h.preload ?? []).map(async (model) => {
        // An empty chat loads the model and answers at once (reference/ollama-api.md §2.8).
        const res = await postJson(`${sims[i]!.url}/api/chat`, { model, messages: [] });
        if (res.status !== 200) throw new Error(`preload of ${model} failed: ${res.status}`);
        await res.text();
      }),
    ),
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'corral-fleet-'));
  const config = parseConfig({
    ...extra,
    server: { port: 0 },
    store: { path: join(dataDir, 'corral.db') },
    fleet: { refreshMs: 0, ...fleet },
    backends: sims.map((s, i) => ({
      name: `sim-${i + 1}`,
      url: s.url,
      maxParallel: 1,
      ...hosts[i]!.backend,
    })),
  });
  const corral = await createCorral(config, pino({ level: 'silent' }));
  const url = await corral.listen();
  const servedBy = new Map<string, string | undefined>();
  corral.gateway.events.on('request_finished', (e) => servedBy.set(e.id, e.backend));
  return {
    url,
    corral,
    hosts: sims,
    servedBy,
    nextFleetEvent(filter) {
      return new Promise((resolve) => {
        const off = corral.gateway.fleet.on((e) => {
          if (!filter(e)) return;
          off();
          resolve(e);
        });
      });
    },
    async restart(i, changes = {}) {
      const old = sims[i]!;
      const fresh = await createEmulator({ ...INSTANT, ...hosts[i]!.sim, ...changes, port: old.port });
      sims[i] = fresh;
      return fresh;
    },
    async close() {
      await corral.close();
      await Promise.all(sims.map((s) => s.close()));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A native chat through the gateway with a request id. */
export function chat(
  stack: FleetStack,
  id: string,
  model: string,
  text: string,
  stream = false,
): Promise<Response> {
  return postJson(
    `${stack.url}/api/chat`,
    { model, stream, messages: [{ role: 'user', content: text }] },
    { headers: { 'x-request-id': id } },
  );
}

/** Resolves when the scheduler reports job `id` queued (subscribe before acting). */
export function queued(stack: FleetStack, id: string): Promise<void> {
  return new Promise((resolve) => {
    const off = stack.corral.scheduler.on('queued', (e) => {
      if (e.jobId !== id) return;
      off();
      resolve();
    });
  });
}
