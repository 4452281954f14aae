import type { AddressInfo } from 'node:net';
import { SimControl } from './control.js';
import { SimEngine } from './engine.js';
import { resolveOptions } from './options.js';
import type { EmulatorOptions } from './options.js';
import { isLoopbackBind } from './host-check.js';
import { createSimServer } from './server.js';

export type { EmulatorOptions } from './options.js';
export type { ModelSpec } from './model-catalog.js';
export type {
  ReceivedRequest,
  SimControl,
  SimEvent,
  SimEventOf,
  SimEventType,
  SimStats,
  SimEndpoint,
  UnloadReason,
} from './control.js';
export type { NativeRunner } from './contract.js';

export interface Emulator {
  /** Base URL, e.g. `http://127.0.0.1:43121`. */
  url: string;
  port: number;
  /** The in-process control plane: events, stats, hold/release (docs/sim.md). */
  control: SimControl;
  /** The native engine, usable in-process like Ollama's handlers. */
  runner: SimEngine;
  /** Ends every connection, timer and held request. Idempotent. */
  close(): Promise<void>;
}

/** Starts an Ollama emulator (docs/sim.md). Resolves once it is listening. */
export async function createEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const settings = resolveOptions(options);
  const control = new SimControl();
  const engine = new SimEngine(settings, control);
  const server = createSimServer(
    engine,
    settings.version,
    settings.checkHost && isLoopbackBind(settings.host),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostForUrl = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    control,
    runner: engine,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Destroying the sockets aborts every request's signal, which ends its waits and timers;
        // then pending loads, keep-alive timers and holds go.
        server.closeAllConnections();
        engine.close();
      });
      return closing;
    },
  };
}
