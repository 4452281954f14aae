import type { ClientProtocol, InferenceRequest } from '../core/chat.js';
import type { ErrorKind } from '../core/errors.js';

import type { RequestOutcome } from '../core/admission.js';

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
      outcome: Outcome;
      errorKind?: ErrorKind;
      /** Time spent waiting in Corral's queue. */
      waitMs: number;
      /** Time from dispatch to the end of the upstream answer (0 when never dispatched). */
      processingMs: number;
      inputTokens: number;
      outputTokens: number;
    }
  | { type: 'upstream_error'; backend: string; errorKind: ErrorKind };
