import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Request ids: a client may choose its own `x-request-id` (so a non-streaming caller can poll
 * `GET /api/queue/{id}` while it waits, DESIGN.md §4); otherwise a random per-process prefix plus a
 * counter, which is unique across replicas and costs no entropy per request.
 */
export function createRequestIdGenerator(): (req: IncomingMessage) => string {
  const prefix = `req_${randomBytes(6).toString('hex')}`;
  let counter = 0;
  return (req) => {
    const supplied = req.headers['x-request-id'];
    if (typeof supplied === 'string' && CLIENT_ID.test(supplied)) return supplied;
    counter += 1;
    return `${prefix}${counter.toString(36).padStart(6, '0')}`;
  };
}
