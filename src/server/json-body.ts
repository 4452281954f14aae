import { CorralError } from '../core/errors.js';

/**
 * Bodies are read as bytes for every content type and parsed here, because Ollama parses JSON
 * whatever the Content-Type says (reference/ollama-api.md §1) and because a parse failure must be
 * answered in the caller's protocol shape, which only the route's plugin knows.
 */
export function parseJsonBody(body: unknown): unknown {
  if (body === undefined || body === null) throw new CorralError('invalid_request', 'missing request body');
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : undefined;
  if (text === undefined) return body;
  if (text.trim() === '') throw new CorralError('invalid_request', 'missing request body');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new CorralError('invalid_request', `invalid JSON in request body: ${detail}`);
  }
}
