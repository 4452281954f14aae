import { describe, expect, it } from 'vitest';
import type { ErrorKind } from '../../core/errors.js';
import { CorralError, ERROR_KINDS } from '../../core/errors.js';
import { openaiErrorFor, openaiStreamErrorFrame } from './errors.js';

describe('openaiErrorFor (client-apis.md B.5, A.8)', () => {
  const rows: Array<[ErrorKind, number, string, string]> = [
    ['invalid_request', 400, 'invalid_request_error', 'invalid_request'],
    ['too_large', 413, 'invalid_request_error', 'too_large'],
    ['authentication', 401, 'authentication_error', 'invalid_api_key'],
    ['permission', 403, 'permission_error', 'permission'],
    ['not_found', 404, 'not_found_error', 'not_found'],
    ['rate_limited', 429, 'rate_limit_error', 'rate_limit_exceeded'],
    ['queue_full', 503, 'overloaded_error', 'queue_full'],
    ['overloaded', 503, 'overloaded_error', 'overloaded'],
    ['timeout', 504, 'timeout_error', 'timeout'],
    ['upstream', 502, 'server_error', 'upstream'],
    ['unavailable', 503, 'server_error', 'unavailable'],
    ['cancelled', 499, 'invalid_request_error', 'cancelled'],
    ['internal', 500, 'server_error', 'internal'],
  ];

  it('covers every kind', () => {
    expect(rows.map((r) => r[0]).sort()).toStrictEqual([...ERROR_KINDS].sort());
  });

  it.each(rows)('%s → %i %s (%s)', (kind, status, type, code) => {
    const out = openaiErrorFor(new CorralError(kind, 'boom'));
    expect(out).toStrictEqual({
      status,
      body: { error: { message: 'boom', type, param: null, code } },
      headers: {},
    });
  });

  it('carries param and a retry-after in whole seconds, rounded up, at least 1', () => {
    const bad = openaiErrorFor(new CorralError('invalid_request', 'x', { param: 'messages[1].content' }));
    expect(bad.body.error.param).toBe('messages[1].content');
    expect(
      openaiErrorFor(new CorralError('queue_full', 'full', { retryAfterMs: 41_200 })).headers,
    ).toStrictEqual({ 'retry-after': '42' });
    expect(
      openaiErrorFor(new CorralError('rate_limited', 'slow', { retryAfterMs: 0 })).headers,
    ).toStrictEqual({ 'retry-after': '1' });
  });
});

describe('openaiStreamErrorFrame (client-apis.md B.4)', () => {
  it('is one data frame holding the error body', () => {
    expect(openaiStreamErrorFrame(new CorralError('upstream', 'host died'))).toBe(
      'data: {"error":{"message":"host died","type":"server_error","param":null,"code":"upstream"}}\n\n',
    );
  });
});
