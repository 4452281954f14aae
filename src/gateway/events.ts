import type { ClientProtocol, InferenceRequest } from '../core/chat.js';
import type { ErrorKind } from '../core/errors.js';

import type { RequestOutcome } from '../core/admission.js';
import type { FallbackReason } from './cloud-fallback.js';

/** How a request ended, as observers (metrics, logs) and the usage meter see it. */
export type Outcome = RequestOutcome;

export type GatewayEvent =
  | {
      type: 'request_finished';
      id: string;
      protocol: ClientProtocol;
      kind: InferenceRequest['kind'];
      model: string;
      tenant: string;
      backend?: string;
      /** Served by the cloud fallback: its model and the call's cost in US dollars. */
      cloud?: { model: string; costUsd: number };
      outcome: Outcome;
      errorKind?: ErrorKind;
      /** Time spent waiting in Corral's queue. */
      waitMs: number;
      /** Time from dispatch to the end of the upstream answer (0 when never dispatched). */
      processingMs: number;
      inputTokens: number;
      outputTokens: number;
    }
  | { type: 'upstream_error'; backend: string; errorKind: ErrorKind }
  /** A request left (or skipped) the local queue for the cloud fallback. */
  | {
      type: 'fallback';
      id: string;
      tenant: string;
      model: string;
      cloudModel: string;
      reason: FallbackReason;
    };
