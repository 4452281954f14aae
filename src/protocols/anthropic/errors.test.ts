import { describe, expect, it } from 'vitest';
import type { ErrorKind } from '../../core/errors.js';
import { CorralError, ERROR_KINDS } from '../../core/errors.js';
import { anthropicErrorFor, anthropicStreamErrorFrame } from './errors.js';
import { parseSseText } from './stream-grammar.js';

describe('anthropicErrorFor (client-apis.md §A.8)', () => {
  const table: Array<[ErrorKind, number, string]> = [
    ['invalid_request', 400, 'invalid_request_error'],
    ['too_large', 413, 'request_too_large'],
    ['authentication', 401, 'authentication_error'],
    ['permission', 403, 'permission_error'],
    ['not_found', 404, 'not_found_error'],
    ['rate_limited', 429, 'rate_limit_error'],
    ['queue_full', 529, 'overloaded_error'],
    ['overloaded', 529, 'overloaded_error'],
    ['timeout', 504, 'timeout_error'],
    ['upstream', 502, 'api_error'],
    ['unavailable', 503, 'overloaded_error'],
    ['cancelled', 499, 'api_error'],
    ['internal', 500, 'api_error'],
  ];

  it('covers every error kind', () => {
    expect(table.map(([kind]) => kind).sort()).toEqual([...ERROR_KINDS].sort());
  });

  for (const [kind, status, type] of table) {
    it(`${kind} → ${status} ${type}`, () => {
      const res = anthropicErrorFor(new CorralError(kind, `why ${kind}`), 'req_1');
      expect(res).toEqual({
        status,
        body: { type: 'error', error: { type, message: `why ${kind}` }, request_id: 'req_1' },
        headers: { 'request-id': 'req_1' },
      });
    });
  }

  it('sends retry-after in whole seconds (rounded up) and retry-after-ms when retryAfterMs is set', () => {
    const res = anthropicErrorFor(
      new CorralError('queue_full', 'queue full', { retryAfterMs: 1500 }),
      'req_2',
    );
    expect(res.headers).toEqual({ 'request-id': 'req_2', 'retry-after': '2', 'retry-after-ms': '1500' });
    const tiny = anthropicErrorFor(new CorralError('rate_limited', 'slow down', { retryAfterMs: 10 }), 'r');
    expect(tiny.headers['retry-after']).toBe('1');
  });
});

describe('anthropicStreamErrorFrame', () => {
  it('is a named error event with the error type and message (§A.7)', () => {
    const frame = anthropicStreamErrorFrame(new CorralError('overloaded', 'Overloaded'));
    expect(frame).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
    );
    expect(parseSseText(frame)[0]?.event).toBe('error');
  });

  it('maps an upstream failure to api_error', () => {
    const frame = anthropicStreamErrorFrame(
      new CorralError('upstream', 'model server dropped the connection'),
    );
    expect(parseSseText(frame)[0]?.data).toEqual({
      type: 'error',
      error: { type: 'api_error', message: 'model server dropped the connection' },
    });
  });
});
