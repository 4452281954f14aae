import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CorralError } from '../core/errors.js';
import type { Store, Tenant } from '../core/store-port.js';
import { apiKeyOf } from './request-meta.js';

/** Who a verified key belongs to; set on the request by the keys-mode hook. */
export interface Caller {
  keyId: string;
  tenant: Tenant;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `keysAuthenticator` (keys mode); undefined in open mode. */
    corralCaller?: Caller;
  }
}

export type Authenticate = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * Liveness probes that reveal nothing (Ollama's `GET /` and `/api/version`): clients and load
 * balancers call them before they have a key.
 */
const PUBLIC_ROUTES = new Set(['/', '/api/version']);

/**
 * The keys-mode `onRequest` hook each protocol plugin installs, so a refusal is rendered by that
 * plugin's error handler in its own 401 shape. The key is looked up on every request (no cache), so
 * a revocation applies to the next request; the plaintext never leaves this function.
 */
export function keysAuthenticator(store: Store): Authenticate {
  return async (request) => {
    if (PUBLIC_ROUTES.has(request.routeOptions.url ?? '')) return;
    const key = apiKeyOf(request);
    if (key === undefined) {
      throw new CorralError(
        'authentication',
        'an API key is required: send it as x-api-key or Authorization: Bearer',
      );
    }
    let verified;
    try {
      verified = await store.verifyKey(key);
    } catch (err) {
      request.log.error({ err }, 'key verification failed');
      throw new CorralError('unavailable', 'API keys cannot be checked right now', {
        cause: err,
        retryAfterMs: 5_000,
      });
    }
    if (verified === undefined)
      throw new CorralError('authentication', 'invalid, revoked or expired API key');
    request.corralCaller = { keyId: verified.key.id, tenant: verified.tenant };
  };
}

/** How a request stands against the admin key. */
export type AdminCheck = 'admin' | 'missing' | 'wrong';

/**
 * Compares the credential a request carries with the admin key in constant time: both sides are
 * hashed first, so neither the content nor the length of the secret leaks through timing.
 */
export function adminCheck(request: FastifyRequest, adminKey: string): AdminCheck {
  const presented = apiKeyOf(request);
  if (presented === undefined) return 'missing';
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(adminKey)) ? 'admin' : 'wrong';
}

/** Throws the 401/403 an admin endpoint answers to anything but the admin key. */
export function requireAdmin(request: FastifyRequest, adminKey: string): void {
  const check = adminCheck(request, adminKey);
  if (check === 'missing') throw new CorralError('authentication', 'the admin key is required');
  if (check === 'wrong') throw new CorralError('permission', 'this endpoint needs the admin key');
}
