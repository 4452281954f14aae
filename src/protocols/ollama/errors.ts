/**
 * The one place mapping error kinds to Ollama's statuses and `{"error": "…"}` body
 * (ollama-api.md §3.1; STYLE.md §3 "Errors, mapped in one place").
 */
import type { CorralError, ErrorKind } from '../../core/errors.js';
import { retryAfterSeconds } from '../../core/errors.js';
import type { OllamaErrorBody } from './types.js';

/**
 * Statuses follow Ollama where Ollama has the case (§3.2: 400 decode errors, 404 unknown model,
 * 503 queue full, 499 cancelled while waiting, 500 runner failures). For the rest:
 * - `timeout` → 504: our deadline ran out (a queue wait or a silent upstream). Ollama has no
 *   deadline of its own; 504 says "the gateway gave up waiting", and SDKs retry ≥ 500.
 * - `upstream` → 502: an Ollama host failed or answered nonsense; not the client's fault.
 * - `overloaded`, `queue_full`, `unavailable` → 503, as Ollama's own "server busy", with
 *   `retry-after` when we know when to come back.
 * - `too_large` → 413 (body over the configured limit).
 */
export const OLLAMA_STATUS: Record<ErrorKind, number> = {
  invalid_request: 400,
  too_large: 413,
  authentication: 401,
  permission: 403,
  not_found: 404,
  rate_limited: 429,
  queue_full: 503,
  overloaded: 503,
  timeout: 504,
  upstream: 502,
  unavailable: 503,
  cancelled: 499,
  internal: 500,
};

export interface OllamaErrorResponse {
  status: number;
  body: OllamaErrorBody;
  headers: Record<string, string>;
}

/** Status, body and headers for an error raised before any output was sent. */
export function ollamaErrorFor(err: CorralError): OllamaErrorResponse {
  const headers: Record<string, string> = {};
  const seconds = retryAfterSeconds(err);
  if (seconds !== undefined) headers['retry-after'] = String(seconds);
  return { status: OLLAMA_STATUS[err.kind], body: { error: err.message }, headers };
}

/**
 * The trailing line for an error after output started (§3.3): status stays 200, no `done:true`
 * line follows, and clients (the Go client, ollama-js) fail on a non-empty `error` field.
 */
export function ollamaStreamErrorLine(err: CorralError): OllamaErrorBody {
  return { error: err.message };
}
