import { CorralError } from '../../core/errors.js';

/**
 * Turns an Ollama error answer (status + `{"error": "…"}`) into the catalogue's kinds. The text is
 * Ollama's own (reference/ollama-api.md §3.2), so a client of the gateway reads the same message it
 * would have read from Ollama.
 */
export function errorFromUpstreamStatus(status: number, message: string, backend: string): CorralError {
  const text = message || `upstream answered ${status}`;
  if (status === 400) return new CorralError('invalid_request', text);
  if (status === 404) return new CorralError('not_found', text);
  // 503 is Ollama's "server busy … maximum pending requests exceeded" (its load queue is full).
  if (status === 503 || status === 429) return new CorralError('overloaded', text, { retryAfterMs: 1000 });
  return new CorralError('upstream', `${text} (backend ${backend}, status ${status})`);
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

/**
 * Maps a transport failure (undici or socket error) to the catalogue. Aborts are re-thrown as the
 * signal's reason by the caller, so they never arrive here as "upstream" errors.
 */
export function errorFromTransport(err: unknown, backend: string, url: string): CorralError {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  if (code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new CorralError('upstream', `backend ${backend} sent no response headers in time`, { cause: err });
  }
  if (code === 'UND_ERR_BODY_TIMEOUT') {
    return new CorralError('upstream', `backend ${backend} went silent in the middle of a response`, {
      cause: err,
    });
  }
  if (UNREACHABLE_CODES.has(code)) {
    return new CorralError('unavailable', `backend ${backend} (${url}) is not reachable (${code})`, {
      cause: err,
      retryAfterMs: 5000,
    });
  }
  return new CorralError(
    'upstream',
    `backend ${backend} failed: ${err instanceof Error ? err.message : String(err)}`,
    {
      cause: err,
    },
  );
}
