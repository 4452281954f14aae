import type { CircuitState } from '../core/fleet.js';

export interface BreakerOptions {
  /** Consecutive failures (requests or checks) that open the circuit. */
  failureThreshold: number;
  /** Time an open circuit waits before a half-open probe. */
  cooldownMs: number;
}

/** What the owner must do after a transition: nothing, announce, or schedule the probe. */
export type BreakerTransition = 'none' | 'opened' | 'half_open' | 'closed';

/**
 * One backend's circuit: closed → open after `failureThreshold` consecutive failures → half-open
 * after `cooldownMs` (the owner's timer calls `startProbe`) → closed on a successful probe, open
 * again on a failed one. Synchronous and timer-free, so the fleet owns the only timers.
 *
 * While open or half-open, outcomes of calls that were already running are ignored: they say
 * nothing about the host's state after it failed, and a late success must not close a circuit
 * that no probe has checked.
 */
export class CircuitBreaker {
  readonly #options: BreakerOptions;
  #state: CircuitState = 'closed';
  #failures = 0;
  #lastError: string | undefined;

  constructor(options: BreakerOptions) {
    this.#options = options;
  }

  get state(): CircuitState {
    return this.#state;
  }

  get consecutiveFailures(): number {
    return this.#failures;
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  get cooldownMs(): number {
    return this.#options.cooldownMs;
  }

  succeeded(): BreakerTransition {
    if (this.#state === 'open') return 'none';
    this.#failures = 0;
    if (this.#state === 'half_open') {
      this.#state = 'closed';
      return 'closed';
    }
    return 'none';
  }

  failed(message: string): BreakerTransition {
    this.#lastError = message;
    if (this.#state === 'open') return 'none';
    this.#failures += 1;
    if (this.#state === 'half_open' || this.#failures >= this.#options.failureThreshold) {
      this.#state = 'open';
      return 'opened';
    }
    return 'none';
  }

  /** The cool-down passed: the next check is the probe. */
  startProbe(): BreakerTransition {
    if (this.#state !== 'open') return 'none';
    this.#state = 'half_open';
    return 'half_open';
  }
}
