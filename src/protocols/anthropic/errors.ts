/**
 * The one place mapping error kinds to Anthropic statuses and bodies (client-apis.md §A.8;
 * STYLE.md §3 "Errors, mapped in one place").
 */
import type { CorralError, ErrorKind } from '../../core/errors.js';
import { retryAfterSeconds } from '../../core/errors.js';
import { sseFrame } from './encode-stream.js';
import type { AnthropicErrorBody, AnthropicErrorType } from './types.js';

/**
 * Statuses and types from Anthropic's table where it has the case; for the rest:
 * - `queue_full`, `overloaded` → 529 `overloaded_error`: Anthropic's own "try later" status.
 *   Both SDK generations retry it twice honouring `retry-after(-ms)`, 1.x raises
 *   `OverloadedError`, and Claude Code already knows how to wait on it.
 * - `unavailable` (no backend can serve the model now) → 503 `overloaded_error`: retried the same
 *   way, but the status keeps it apart from a full queue; the type is what Ollama's own
 *   Anthropic layer uses for 503.
 * - `timeout` → 504 `timeout_error` (our queue or upstream deadline ran out; SDKs retry ≥ 500).
 * - `upstream` → 502 `api_error`: an Ollama host failed; not the client's fault.
 * - `cancelled` → 499 `api_error`: the client is gone, so this only reaches logs (Ollama's layer
 *   also says `api_error` for 499).
 * - `too_large` → 413 `request_too_large`, as the real API's edge answers.
 */
export const ANTHROPIC_ERRORS: Record<ErrorKind, { status: number; type: AnthropicErrorType }> = {
  invalid_request: { status: 400, type: 'invalid_request_error' },
  too_large: { status: 413, type: 'request_too_large' },
  authentication: { status: 401, type: 'authentication_error' },
  permission: { status: 403, type: 'permission_error' },
  not_found: { status: 404, type: 'not_found_error' },
  rate_limited: { status: 429, type: 'rate_limit_error' },
  queue_full: { status: 529, type: 'overloaded_error' },
  overloaded: { status: 529, type: 'overloaded_error' },
  timeout: { status: 504, type: 'timeout_error' },
  upstream: { status: 502, type: 'api_error' },
  unavailable: { status: 503, type: 'overloaded_error' },
  cancelled: { status: 499, type: 'api_error' },
  internal: { status: 500, type: 'api_error' },
};

export interface AnthropicErrorResponse {
  status: number;
  body: AnthropicErrorBody;
  headers: Record<string, string>;
}

/**
 * Status, body and headers for an error raised before any output was sent. `request-id` is the
 * header the SDK exposes as `error.requestID` (§A.1). With `retryAfterMs` both retry headers are
 * sent: `retry-after-ms` is read first by both SDKs and keeps the precision, `retry-after` (whole
 * seconds, rounded up) serves everyone else (§1.6).
 */
export function anthropicErrorFor(err: CorralError, requestId: string): AnthropicErrorResponse {
  const { status, type } = ANTHROPIC_ERRORS[err.kind];
  const headers: Record<string, string> = { 'request-id': requestId };
  const seconds = retryAfterSeconds(err);
  if (seconds !== undefined && err.retryAfterMs !== undefined) {
    headers['retry-after'] = String(seconds);
    headers['retry-after-ms'] = String(Math.max(0, Math.ceil(err.retryAfterMs)));
  }
  const body: AnthropicErrorBody = {
    type: 'error',
    error: { type, message: err.message },
    request_id: requestId,
  };
  return { status, body, headers };
}

/**
 * The `event: error` frame for a failure after the stream began (§A.7): the status is already
 * 200, the SDK throws `APIError` with `type` = `error.type` and does not retry. Nothing may follow.
 */
export function anthropicStreamErrorFrame(err: CorralError): string {
  const body: AnthropicErrorBody = {
    type: 'error',
    error: { type: ANTHROPIC_ERRORS[err.kind].type, message: err.message },
  };
  return sseFrame('error', body);
}
