import { normalizeModelName } from '../core/fleet.js';
import type { LiveLoad } from '../router/index.js';

/**
 * What runs where and what waits, counted by the gateway as it grants and releases slots: the
 * router needs it per request, and asking the scheduler for a full snapshot each time would cost
 * more than the routing itself. Models are counted under their normalised names, as the fleet
 * reports them.
 */
export class LiveLoadCounter implements LiveLoad {
  readonly running = new Map<string, Map<string, number>>();
  readonly queuedByModel = new Map<string, number>();

  started(backend: string, model: string): void {
    let models = this.running.get(backend);
    if (!models) this.running.set(backend, (models = new Map()));
    const key = normalizeModelName(model);
    models.set(key, (models.get(key) ?? 0) + 1);
  }

  ended(backend: string, model: string): void {
    const models = this.running.get(backend);
    const key = normalizeModelName(model);
    const count = (models?.get(key) ?? 0) - 1;
    if (count > 0) models?.set(key, count);
    else models?.delete(key);
  }

  queued(model: string, delta: 1 | -1): void {
    const key = normalizeModelName(model);
    const count = (this.queuedByModel.get(key) ?? 0) + delta;
    if (count > 0) this.queuedByModel.set(key, count);
    else this.queuedByModel.delete(key);
  }
}
