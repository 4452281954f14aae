import type { FastifyReply } from 'fastify';

/** Headers Fastify set on the reply so far (x-request-id …), for responses written by hand. */
export function replyHeaders(reply: FastifyReply): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}
