import type { Backend, InstalledModel, LoadedModel } from '../core/ports.js';
import { toCorralError } from '../core/errors.js';

export interface BackendStatus {
  name: string;
  url: string;
  reachable: boolean;
  version?: string;
  models: string[];
  loaded: Array<{ name: string; expiresAt: string; contextLength?: number }>;
  error?: string;
  latencyMs: number;
}

/**
 * Asks one backend what it has and what it runs, bounded by `timeoutMs` so a dead host cannot
 * stall the status page. (A timer-driven health monitor with circuit breaking comes with the fleet.)
 */
export async function probeBackend(
  backend: Backend,
  timeoutMs: number,
  now: () => number,
): Promise<BackendStatus> {
  const started = now();
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const [version, models, loaded] = await Promise.all([
      backend.version({ signal }),
      backend.listModels({ signal }),
      backend.listLoaded({ signal }),
    ]);
    return {
      name: backend.name,
      url: backend.url,
      reachable: true,
      version,
      models: models.map((m: InstalledModel) => m.name),
      loaded: loaded.map((m: LoadedModel) => ({
        name: m.name,
        expiresAt: m.expiresAt,
        ...(m.contextLength === undefined ? {} : { contextLength: m.contextLength }),
      })),
      latencyMs: Math.round(now() - started),
    };
  } catch (err) {
    const message = signal.aborted ? `no answer within ${timeoutMs} ms` : toCorralError(err).message;
    return {
      name: backend.name,
      url: backend.url,
      reachable: false,
      models: [],
      loaded: [],
      error: message,
      latencyMs: Math.round(now() - started),
    };
  }
}
