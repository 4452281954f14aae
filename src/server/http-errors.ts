import { CorralError, toCorralError } from '../core/errors.js';

/**
 * Errors raised by Fastify itself (body too large, unsupported media, bad headers) carry a
 * `statusCode` and a `FST_*` code; they become catalogue errors here so each protocol can render
 * them in its own shape. Everything else goes through `toCorralError`.
 */
export function toCorralErrorFromHttp(err: unknown): CorralError {
  if (err instanceof CorralError) return err;
  if (
    typeof err === 'object' &&
    err !== null &&
    'code' in err &&
    typeof err.code === 'string' &&
    err.code.startsWith('FST_')
  ) {
    const message = err instanceof Error ? err.message : String(err);
    const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status === 413) return new CorralError('too_large', message, { cause: err });
    if (status >= 400 && status < 500) return new CorralError('invalid_request', message, { cause: err });
  }
  return toCorralError(err);
}
