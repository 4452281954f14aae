/**
 * The one error catalogue (DESIGN.md §3, STYLE.md §3). Every failure that reaches a client is a
 * `CorralError` with a stable `kind`; each protocol's `errors.ts` maps a kind to its own status and
 * body, and nothing else chooses a status.
 */
export const ERROR_KINDS = [
  'invalid_request',
  'too_large',
  'authentication',
  'permission',
  'not_found',
  'rate_limited',
  'queue_full',
  'overloaded',
  'timeout',
  'upstream',
  'unavailable',
  'cancelled',
  'internal',
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

export interface CorralErrorOptions {
  /** Tells the client when to come back (429 and 503 answers carry `retry-after`). */
  retryAfterMs?: number;
  cause?: unknown;
  /** Which request parameter was wrong, when one was (OpenAI reports it as `param`). */
  param?: string;
}

export class CorralError extends Error {
  override readonly name = 'CorralError';
  readonly kind: ErrorKind;
  readonly retryAfterMs: number | undefined;
  readonly param: string | undefined;

  constructor(kind: ErrorKind, message: string, options: CorralErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.retryAfterMs = options.retryAfterMs;
    this.param = options.param;
  }
}

export function isCorralError(value: unknown): value is CorralError {
  return value instanceof CorralError;
}

/**
 * Converts anything thrown into a `CorralError`. An `AbortError` whose reason is a `CorralError`
 * (a deadline, a cancellation) yields that reason; anything unrecognised becomes `internal`, and
 * its details stay in `cause` for the log, never in the message a client sees.
 */
export function toCorralError(value: unknown): CorralError {
  if (value instanceof CorralError) return value;
  if (value instanceof Error && value.name === 'AbortError' && value.cause instanceof CorralError)
    return value.cause;
  return new CorralError('internal', 'internal error', { cause: value });
}

/** Seconds for a `retry-after` header, rounded up so a client never comes back too early. */
export function retryAfterSeconds(error: CorralError): number | undefined {
  return error.retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(error.retryAfterMs / 1000));
}
