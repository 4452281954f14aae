import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CorralError } from '../core/errors.js';
import { toCorralErrorFromHttp } from './http-errors.js';

/** A protocol's one mapping from a catalogue error to its status, body and headers. */
export type ErrorRenderer = (
  error: CorralError,
  request: FastifyRequest,
) => { status: number; body: unknown; headers: Record<string, string> };

/**
 * Installs a plugin's error handler (STYLE.md: one plugin per protocol, each rendering errors in
 * its own shape). Anything unrecognised becomes `internal`: logged with its details, sent without.
 */
export function renderErrorsWith(app: FastifyInstance, render: ErrorRenderer): void {
  app.setErrorHandler((err, request, reply) => {
    const error = toCorralErrorFromHttp(err);
    if (error.kind === 'internal') request.log.error({ err }, 'internal error');
    const { status, body, headers } = render(error, request);
    return reply.status(status).headers(headers).send(body);
  });
}
