import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Low-level writers with Ollama's content types (§1): JSON with charset for handler responses,
 * bare `application/json` for errors of the streaming path, NDJSON for streams, and gin's
 * plain-text 404/405 bodies.
 */

export const jsonType = 'application/json; charset=utf-8';
export const bareJsonType = 'application/json';

export function sendBody(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, contentType = jsonType): void {
  sendBody(res, status, contentType, JSON.stringify(value));
}

export function sendError(res: ServerResponse, status: number, message: string, plainJson = false): void {
  sendJson(res, status, { error: message }, plainJson ? bareJsonType : jsonType);
}

/** gin's router answers (§1): `404 page not found` / `405 method not allowed`, text/plain. */
export function sendNotFound(res: ServerResponse): void {
  sendBody(res, 404, 'text/plain', '404 page not found');
}

export function sendMethodNotAllowed(res: ServerResponse): void {
  sendBody(res, 405, 'text/plain', '405 method not allowed');
}

/** Reads the whole request body (no size limit: Ollama has none). */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/** Header values as single strings (repeated headers joined), names lower-cased by Node. */
export function flatHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** An AbortSignal that fires when the client goes away before the response was fully written. */
export function clientSignal(res: ServerResponse): AbortSignal {
  const ac = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) ac.abort();
  });
  return ac.signal;
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Writes an NDJSON stream (§2.2): headers only when the first line is ready, one flushed line
 * per chunk, back-pressure honoured. An error before any line becomes a 500 JSON error (§3.3);
 * an error line after that is written like any other line and ends the stream.
 */
export async function streamNdjson(res: ServerResponse, chunks: AsyncIterable<object>): Promise<void> {
  let started = false;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    res.uncork();
  };
  for await (const chunk of chunks) {
    if (res.destroyed) break;
    if (!started) {
      if ('error' in chunk && typeof chunk.error === 'string') return sendError(res, 500, chunk.error, true);
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      started = true;
    }
    // Lines produced in the same turn of the event loop (tps 0) leave in one write; paced lines
    // still go out as soon as they are produced, because the uncork runs before any timer.
    if (!corked) {
      corked = true;
      res.cork();
      process.nextTick(uncork);
    }
    if (!res.write(`${JSON.stringify(chunk)}\n`)) await drained(res);
  }
  if (!started && !res.destroyed) res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
  res.end();
}
