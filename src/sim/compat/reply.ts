import type { ServerResponse } from 'node:http';
import { goMarshal } from './go-json.js';

/** A JSON reply as Ollama's compat writers send it: `application/json`, Go encoding, trailing newline. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  extraHeaders: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = `${goMarshal(body)}\n`;
  res.writeHead(status, {
    ...extraHeaders,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** gin's method-not-allowed reply (§1). */
export function sendMethodNotAllowed(res: ServerResponse): void {
  const text = '405 method not allowed';
  res.writeHead(405, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
