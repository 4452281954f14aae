import { describe, expect, it } from 'vitest';
import type { ErrorKind } from '../../core/errors.js';
import { CorralError, ERROR_KINDS } from '../../core/errors.js';
import { OLLAMA_STATUS, ollamaErrorFor, ollamaStreamErrorLine } from './errors.js';

describe('ollamaErrorFor', () => {
  it.each<[ErrorKind, number]>([
    ['invalid_request', 400],
    ['authentication', 401],
    ['permission', 403],
    ['not_found', 404],
    ['rate_limited', 429],
    ['queue_full', 503],
    ['overloaded', 503],
    ['timeout', 504],
    ['upstream', 502],
    ['unavailable', 503],
    ['cancelled', 499],
    ['internal', 500],
  ])('%s → %i with {error}', (kind, status) => {
    expect(ollamaErrorFor(new CorralError(kind, 'why'))).toStrictEqual({
      status,
      body: { error: 'why' },
      headers: {},
    });
  });

  it('maps every kind in the catalogue', () => {
    for (const kind of ERROR_KINDS) expect(OLLAMA_STATUS[kind]).toBeGreaterThanOrEqual(400);
  });

  it.each<[number, string]>([
    [1, '1'],
    [1500, '2'],
    [30_000, '30'],
  ])('retry-after in whole seconds, rounded up (%i ms)', (retryAfterMs, header) => {
    const err = new CorralError('queue_full', 'queue full', { retryAfterMs });
    expect(ollamaErrorFor(err).headers).toStrictEqual({ 'retry-after': header });
  });
});

describe('ollamaStreamErrorLine', () => {
  it('is the bare {error} object (§3.3)', () => {
    expect(
      ollamaStreamErrorLine(new CorralError('upstream', 'model runner has unexpectedly stopped')),
    ).toStrictEqual({
      error: 'model runner has unexpectedly stopped',
    });
  });
});
