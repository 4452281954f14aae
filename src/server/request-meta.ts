import type { FastifyRequest } from 'fastify';
import type { ClientProtocol, RequestMeta } from '../core/chat.js';

/**
 * Who is asking. Until tenants and keys exist (issues 5 and 7) every request belongs to the
 * `default` tenant; the id is the one Fastify assigned (a valid client-supplied `x-request-id`, or
 * a fresh one), so a client can poll `GET /api/queue/{id}` for a request it is still waiting on.
 */
export function requestMeta(request: FastifyRequest, protocol: ClientProtocol): RequestMeta {
  return { id: request.id, tenant: 'default', protocol };
}
