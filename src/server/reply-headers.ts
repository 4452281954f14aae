import type { FastifyReply } from 'fastify';
import type { ChatRequest, GenerateRequest, RequestMeta } from '../core/chat.js';
import type { Gateway, Generation, RequestHooks } from '../gateway/gateway.js';

/** Headers Fastify set on the reply so far (x-request-id …), for responses written by hand. */
export function replyHeaders(reply: FastifyReply): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/** Names the cloud backend and model that served a fallback response (DESIGN.md §4). */
export const SERVED_BY_HEADER = 'x-corral-served-by';

/**
 * `gateway.generate`, plus the `x-corral-served-by` header when the cloud fallback took the
 * request and the response has not started (a stream that already sent queue frames was told by
 * a `fallback` frame instead). Every route generates through here, so no protocol forgets it.
 */
export async function generateFor(
  gateway: Gateway,
  reply: FastifyReply,
  req: ChatRequest | GenerateRequest,
  meta: RequestMeta,
  hooks: RequestHooks,
): Promise<Generation> {
  const generation = await gateway.generate(req, meta, hooks);
  if (generation.cloudModel !== undefined && !reply.raw.headersSent)
    reply.header(SERVED_BY_HEADER, `${generation.backend}; model=${generation.cloudModel}`);
  return generation;
}
