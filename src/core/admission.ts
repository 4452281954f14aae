import type { InferenceRequest, RequestMeta, Usage } from './chat.js';

/** How a request ended, for metering. */
export type RequestOutcome = 'done' | 'failed' | 'cancelled' | 'timed_out' | 'rejected';

/** What the gateway reports when a request that was admitted ends. */
export interface FinishedRequest {
  outcome: RequestOutcome;
  /** Error kind when it failed or was refused. */
  errorKind?: string;
  backend?: string;
  /** Served by the cloud fallback: the cloud model and what the call cost. */
  cloud?: { model: string; costUsd: number };
  usage: Usage;
  waitMs: number;
  processingMs: number;
}

/** A request let in by `Admission.admit`; settled exactly once when it ends, however it ends. */
export interface AdmissionTicket {
  /**
   * Never rejects. The promise, when there is one, resolves once the outcome is recorded durably:
   * the gateway waits for it before a response ends, so a client that saw the end of its response
   * is never missing from usage (a crash between the two cannot lose it).
   */
  settle(finished: FinishedRequest): void | Promise<void>;
}

/**
 * The gate before the queue (DESIGN.md §2): quotas, allowed models, anything that must say no
 * before a request waits. `admit` throws a `CorralError` (`rate_limited` with `retryAfterMs`,
 * `permission`, …) to refuse. The gateway calls it once per request and settles the ticket once.
 */
export interface Admission {
  admit(req: InferenceRequest, meta: RequestMeta): Promise<AdmissionTicket>;
}
