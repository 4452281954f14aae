/**
 * The one place mapping error kinds to OpenAI statuses and `{"error":{message,type,param,code}}`
 * bodies (client-apis.md B.5, A.8 for the status table; STYLE.md §3). The SDK picks its error
 * class by status and exposes `type`, `param` and `code` as given, so types stay consistent and
 * `code` is our stable kind, except where OpenAI clients know OpenAI's own code.
 */
import type { CorralError, ErrorKind } from '../../core/errors.js';
import { retryAfterSeconds } from '../../core/errors.js';
import { sseFrame } from './encode-stream.js';
import type { OpenAIErrorBody } from './types.js';

interface ErrorShape {
  status: number;
  type: string;
  code: string;
}

/**
 * - `rate_limited` (this key's or tenant's limit) → 429 `rate_limit_exceeded`, OpenAI's code,
 *   which clients tell apart from `insufficient_quota` (not worth retrying).
 * - `queue_full` and `overloaded` → 503 `overloaded_error` (the type of the hybrid body, C.10),
 *   not 429: the gateway is busy, the client did nothing wrong, and generic HTTP tooling reads
 *   503 as "come back later". Both SDKs retry 429 and 503 alike and honour `retry-after` (§1.6).
 * - `timeout` → 504: our deadline ran out (queue wait or a silent upstream); `upstream` → 502.
 * - `cancelled` → 499 (nginx's "client closed request"); the client is usually gone anyway.
 */
export const OPENAI_ERRORS: Record<ErrorKind, ErrorShape> = {
  invalid_request: { status: 400, type: 'invalid_request_error', code: 'invalid_request' },
  too_large: { status: 413, type: 'invalid_request_error', code: 'too_large' },
  authentication: { status: 401, type: 'authentication_error', code: 'invalid_api_key' },
  permission: { status: 403, type: 'permission_error', code: 'permission' },
  not_found: { status: 404, type: 'not_found_error', code: 'not_found' },
  rate_limited: { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  queue_full: { status: 503, type: 'overloaded_error', code: 'queue_full' },
  overloaded: { status: 503, type: 'overloaded_error', code: 'overloaded' },
  timeout: { status: 504, type: 'timeout_error', code: 'timeout' },
  upstream: { status: 502, type: 'server_error', code: 'upstream' },
  unavailable: { status: 503, type: 'server_error', code: 'unavailable' },
  cancelled: { status: 499, type: 'invalid_request_error', code: 'cancelled' },
  internal: { status: 500, type: 'server_error', code: 'internal' },
};

export interface OpenAIErrorResponse {
  status: number;
  body: OpenAIErrorBody;
  headers: Record<string, string>;
}

export function openaiErrorBody(err: CorralError): OpenAIErrorBody {
  const shape = OPENAI_ERRORS[err.kind];
  return { error: { message: err.message, type: shape.type, param: err.param ?? null, code: shape.code } };
}

/**
 * Status, body and headers for an error before any output. `retry-after` is whole seconds,
 * at least 1: the openai SDK obeys any value, and `0` would burn its retries in ~10 ms (§1.6).
 */
export function openaiErrorFor(err: CorralError): OpenAIErrorResponse {
  const headers: Record<string, string> = {};
  const seconds = retryAfterSeconds(err);
  if (seconds !== undefined) headers['retry-after'] = String(seconds);
  return { status: OPENAI_ERRORS[err.kind].status, body: openaiErrorBody(err), headers };
}

/**
 * The last frame of a stream that fails after it began (B.4): the SDK throws an `APIError`
 * (status undefined) with this message and never retries. No `[DONE]` may follow (§1.5).
 */
export function openaiStreamErrorFrame(err: CorralError): string {
  return sseFrame(openaiErrorBody(err));
}
