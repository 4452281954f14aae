/**
 * Error answers of the providers back to `CorralError`s, using the protocols' own kind → status
 * tables in reverse, so a bridge's caller branches on `kind` whichever provider failed.
 */
import { CorralError } from '../core/errors.js';
import type { ErrorKind } from '../core/errors.js';
import { ANTHROPIC_ERRORS } from '../protocols/anthropic/index.js';
import { OLLAMA_STATUS } from '../protocols/ollama/index.js';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function kindForStatus(status: number, table: Record<ErrorKind, number>): ErrorKind {
  for (const [kind, code] of Object.entries(table)) if (code === status) return kind as ErrorKind;
  return status >= 500 ? 'upstream' : 'invalid_request';
}

const ANTHROPIC_STATUS = Object.fromEntries(
  Object.entries(ANTHROPIC_ERRORS).map(([kind, entry]) => [kind, entry.status]),
) as Record<ErrorKind, number>;

function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms') ?? NaN);
  if (Number.isFinite(ms)) return ms;
  const seconds = Number(headers?.get('retry-after') ?? NaN);
  return Number.isFinite(seconds) ? seconds * 1000 : undefined;
}

/** An Anthropic error body (`{type:"error",error:{type,message}}`) with its HTTP status. */
export function anthropicError(status: number, body: unknown, headers?: Headers): CorralError {
  const error = isRecord(body) && isRecord(body['error']) ? body['error'] : {};
  const message = typeof error['message'] === 'string' ? error['message'] : `HTTP ${status}`;
  const type = error['type'];
  let kind = kindForStatus(status, ANTHROPIC_STATUS);
  // In-stream errors have no status of their own (200 was sent): the type names the kind.
  if (status === 200 && typeof type === 'string') {
    const match = Object.entries(ANTHROPIC_ERRORS).find(([, entry]) => entry.type === type);
    kind = (match?.[0] as ErrorKind | undefined) ?? 'upstream';
  }
  const retry = retryAfterMs(headers);
  return new CorralError(kind, message, retry === undefined ? {} : { retryAfterMs: retry });
}

/** An Ollama error body (`{"error":"…"}`) with its HTTP status. */
export function ollamaError(status: number, body: unknown): CorralError {
  const message = isRecord(body) && typeof body['error'] === 'string' ? body['error'] : `HTTP ${status}`;
  return new CorralError(kindForStatus(status, OLLAMA_STATUS), message);
}

/** The reason a signal was aborted with, as the rejection value (STYLE.md: reject with `signal.reason`). */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new CorralError('cancelled', 'the request was cancelled');
}

/** A fetch that could not reach the server at all. */
export function unreachable(url: string, cause: unknown): CorralError {
  return new CorralError('unavailable', `cannot reach ${url}`, { cause });
}

/** Parses JSON the provider sent; malformed text is the provider's fault (`upstream`). */
export function parseProviderJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new CorralError('upstream', `the provider sent ${what} that is not JSON`, { cause });
  }
}

/** Reads a body that may or may not be JSON. */
export async function readJsonBody(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { error: text };
  }
}
