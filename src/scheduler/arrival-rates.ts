import type { Clock } from '../core/clock.js';
import { TimeWindow } from './time-window.js';

/**
 * Work arriving per model, and per (model, tenant), over a sliding window: the ETA needs to know how
 * fast *other* tenants bring work that a fair policy may place ahead of a waiting job.
 *
 * Memory: one 12-bucket window per model and per (model, tenant) seen; tenants are few (keys), so
 * this is not pruned.
 */
export class ArrivalRates {
  readonly #clock: Clock;
  readonly #windowMs: number;
  readonly #windows = new Map<string, TimeWindow>();

  constructor(clock: Clock, windowMs: number) {
    this.#clock = clock;
    this.#windowMs = windowMs;
  }

  add(model: string, tenant: string, serviceMs: number): void {
    this.#window(model).add(serviceMs);
    this.#window(`${model}\u0000${tenant}`).add(serviceMs);
  }

  /** Utilisation of `lanes` by work arriving for `model` from tenants other than `tenant`. */
  othersLoad(model: string, lanes: number, tenant: string | undefined): number {
    const all = this.#windows.get(model)?.totals().sum ?? 0;
    const own = tenant === undefined ? 0 : (this.#windows.get(`${model}\u0000${tenant}`)?.totals().sum ?? 0);
    // Early on the window is not full yet: divide by the time actually observed.
    const spanMs = Math.min(this.#windowMs, Math.max(1, this.#clock.now()));
    return Math.max(0, all - own) / spanMs / Math.max(1, lanes);
  }

  #window(key: string): TimeWindow {
    let window = this.#windows.get(key);
    if (!window) this.#windows.set(key, (window = new TimeWindow(this.#clock, this.#windowMs, 12)));
    return window;
  }
}
