import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ClientProtocol, RequestMeta } from '../core/chat.js';
import { CorralError } from '../core/errors.js';

const USER_HEADER = 'x-corral-user';
const PRIORITY_HEADER = 'x-corral-priority';
const MAX_WAIT_HEADER = 'x-corral-max-wait-ms';
/** A day: longer is a typo, not a deadline. */
const MAX_WAIT_LIMIT_MS = 86_400_000;
const SAFE_NAME = /^[A-Za-z0-9._@:-]{1,64}$/;

/**
 * Who is asking. Keys mode: the tenant of the key the auth hook verified. Open mode (issue 5): the
 * API key the client sent, hashed (a key never appears in a tenant name, a log or a metric label),
 * else the `x-corral-user` header when the client names itself, else its address. The key comes
 * first (issue 5's order): it is the credential a client is configured with, while the header is a
 * free label any caller can set. SDK users who share one placeholder key fall into one tenant
 * whatever header they send; each gets a tenant of their own by using their own placeholder key
 * (it is only hashed, never checked). The id is the one Fastify assigned (a valid
 * client-supplied `x-request-id`, or a fresh one), so a client can poll `GET /api/queue/{id}`.
 * A priority hint travels as `x-corral-priority`; the scheduler clamps it to what the tenant may use.
 * A deadline for the wait travels as `x-corral-max-wait-ms`.
 */
export function requestMeta(request: FastifyRequest, protocol: ClientProtocol): RequestMeta {
  const meta = callerMeta(request, protocol);
  const maxWait = maxQueueWaitOf(request);
  return maxWait === undefined ? meta : { ...meta, maxQueueWaitMs: maxWait };
}

function callerMeta(request: FastifyRequest, protocol: ClientProtocol): RequestMeta {
  const header = headerValue(request, PRIORITY_HEADER);
  const hint = header !== undefined && SAFE_NAME.test(header) ? header : undefined;
  const caller = request.corralCaller;
  if (caller !== undefined) {
    // Keys mode: the verified key decides who is asking. Its tenant's class is the ceiling (the
    // scheduler clamps a higher hint) and the class used when the client gives none.
    const { tenant } = caller;
    return {
      id: request.id,
      tenant: tenant.id,
      protocol,
      keyId: caller.keyId,
      priority: hint ?? tenant.priority,
      tenantSettings: { weight: tenant.weight, maxPriority: tenant.priority },
      allowedModels: tenant.allowedModels,
      cloudFallback: tenant.cloudFallback,
    };
  }
  return {
    id: request.id,
    tenant: tenantOf(request),
    protocol,
    ...(hint === undefined ? {} : { priority: hint }),
  };
}

/**
 * The client's own bound on its wait, in milliseconds. A malformed value is refused (in the
 * caller's protocol shape) rather than ignored: a client that set a deadline relies on it.
 */
function maxQueueWaitOf(request: FastifyRequest): number | undefined {
  const value = headerValue(request, MAX_WAIT_HEADER);
  if (value === undefined) return undefined;
  const ms = /^\d{1,9}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!(ms >= 1 && ms <= MAX_WAIT_LIMIT_MS))
    throw new CorralError(
      'invalid_request',
      `${MAX_WAIT_HEADER} must be a whole number of milliseconds from 1 to ${MAX_WAIT_LIMIT_MS}, got ${JSON.stringify(value)}`,
    );
  return ms;
}

/** Open mode's tenant: `key:<hash>`, else `user:<name>`, else `ip:<address>` (see requestMeta). */
export function tenantOf(request: FastifyRequest): string {
  const key = apiKeyOf(request);
  if (key !== undefined) return `key:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
  const user = headerValue(request, USER_HEADER);
  if (user !== undefined && SAFE_NAME.test(user)) return `user:${user}`;
  return `ip:${request.ip}`;
}

/** The credential a client sent: `x-api-key`, Azure's `api-key`, or `Authorization: Bearer` (client-apis.md A.1). */
export function apiKeyOf(request: FastifyRequest): string | undefined {
  const direct = headerValue(request, 'x-api-key') ?? headerValue(request, 'api-key');
  if (direct) return direct;
  const auth = headerValue(request, 'authorization');
  const match = auth === undefined ? null : /^Bearer\s+(\S+)$/i.exec(auth);
  return match?.[1];
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}
