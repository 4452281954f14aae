import type { BackendView } from '../core/fleet.js';

export type BackendHealth = 'healthy' | 'failing' | 'open' | 'half_open' | 'unknown';

export interface BackendStatus {
  name: string;
  url: string;
  /** The last check answered and the circuit lets traffic through. */
  reachable: boolean;
  /** healthy; failing (closed, but the last calls or checks failed); open; half_open; unknown (never answered). */
  state: BackendHealth;
  weight: number;
  slotsPerModel: number;
  version?: string;
  models: string[];
  loaded: Array<{ name: string; expiresAt: string; contextLength?: number }>;
  consecutiveFailures: number;
  error?: string;
  /** Age of the last answered discovery. */
  refreshedAgoMs?: number;
  /** What the router has measured there, by model. */
  perf: Record<string, { serviceMs?: number; loadMs?: number }>;
}

/** One backend as `/api/status` shows it, from the fleet's snapshot. */
export function describeBackend(view: BackendView, nowMs: number): BackendStatus {
  const state: BackendHealth =
    view.circuit !== 'closed'
      ? view.circuit
      : view.consecutiveFailures > 0
        ? 'failing'
        : view.discovered
          ? 'healthy'
          : 'unknown';
  return {
    name: view.name,
    url: view.url,
    reachable: state === 'healthy',
    state,
    weight: view.weight,
    slotsPerModel: view.slotsPerModel,
    ...(view.version === undefined ? {} : { version: view.version }),
    models: [...view.installed],
    loaded: view.loaded.map((m) => ({ ...m })),
    consecutiveFailures: view.consecutiveFailures,
    ...(view.lastError === undefined || state === 'healthy' ? {} : { error: view.lastError }),
    ...(view.refreshedAtMs === undefined ? {} : { refreshedAgoMs: Math.round(nowMs - view.refreshedAtMs) }),
    perf: Object.fromEntries(
      Object.entries(view.perf).map(([model, p]) => [
        model,
        {
          ...(p.serviceMs === undefined ? {} : { serviceMs: Math.round(p.serviceMs) }),
          ...(p.loadMs === undefined ? {} : { loadMs: Math.round(p.loadMs) }),
        },
      ]),
    ),
  };
}
