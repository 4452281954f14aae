import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { handleCompat } from './compat/index.js';
import type { SimEngine } from './engine.js';
import { makeHostCheck } from './host-check.js';
import {
  clientSignal,
  flatHeaders,
  readBody,
  sendError,
  sendMethodNotAllowed,
  sendNotFound,
} from './http-io.js';
import { nativeRoutes } from './native-routes.js';

/**
 * The emulator's HTTP front: a route table with gin's 404/405 behaviour (§1), CORS pre-flight,
 * and every `/v1/` path handed to the compatibility layers.
 */

function pathOf(url: string | undefined): string {
  const u = url ?? '/';
  const q = u.indexOf('?');
  return q === -1 ? u : u.slice(0, q);
}

async function serveCompat(
  engine: SimEngine,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const signal = clientSignal(res);
  const body = await readBody(req);
  const handled = await handleCompat(
    { method: req.method ?? 'GET', path, headers: flatHeaders(req), body, signal },
    res,
    engine,
  );
  if (!handled && !res.headersSent) sendNotFound(res);
}

export function createSimServer(engine: SimEngine, version: string, checkHost: boolean): Server {
  const routes = nativeRoutes(engine, version);
  const hostAllowed = checkHost ? makeHostCheck() : undefined;
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    if (hostAllowed && !hostAllowed(req.headers.host)) {
      req.resume();
      res.writeHead(403, { 'Content-Length': 0 });
      res.end();
      return;
    }
    const path = pathOf(req.url);
    const method = req.method ?? 'GET';
    // CORS pre-flight is answered by middleware before routing (§1); only when Origin is present.
    if (method === 'OPTIONS' && req.headers.origin) {
      res.writeHead(204, {
        'Access-Control-Allow-Origin': req.headers.origin,
        'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS',
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? '*',
      });
      res.end();
      return;
    }
    let work: Promise<void> | undefined;
    if (path.startsWith('/v1/')) {
      work = serveCompat(engine, req, res, path);
    } else {
      const route = routes.get(path);
      const handler = route?.[method];
      if (!route) {
        req.resume();
        sendNotFound(res);
      } else if (!handler) {
        req.resume();
        sendMethodNotAllowed(res);
      } else {
        work = Promise.resolve(handler(req, res));
      }
    }
    if (work) {
      work.catch((err: unknown) => {
        // A bug in the emulator must still answer in Ollama's shape rather than hang the client.
        if (!res.headersSent) sendError(res, 500, err instanceof Error ? err.message : String(err));
        else res.destroy();
      });
    }
  });
  return server;
}
