import type { ServerResponse } from 'node:http';
import { CorralError } from '../core/errors.js';

/**
 * One AbortSignal per request that fires when the client goes away before the response is
 * complete (fastify's `request.signal` idea, STYLE.md §2): `close` on the response before
 * `writableFinished` means the socket closed under us. The request's own `close` event is useless
 * here: Node emits it as soon as the body has been read.
 */
export function clientSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) controller.abort(new CorralError('cancelled', 'client disconnected'));
  };
  res.once('close', onClose);
  return controller.signal;
}
