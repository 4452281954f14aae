import type { ServerResponse } from 'node:http';
import type { NativeRunner } from '../contract.js';

/** An incoming request as the emulator's HTTP layer hands it to the compatibility layers. */
export interface CompatHttpRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/messages`. */
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  body: Buffer;
  /** Aborts when the client disconnects. */
  signal: AbortSignal;
}

/**
 * Serves Ollama's OpenAI (`/v1/chat/completions`, `/v1/models[/{id}]`, `/v1/embeddings`) and
 * Anthropic (`/v1/messages`) compatibility endpoints on top of the native engine.
 * Returns false when the path is not one of them (the caller then answers 404/405 itself).
 */
export async function handleCompat(
  _req: CompatHttpRequest,
  _res: ServerResponse,
  _runner: NativeRunner,
): Promise<boolean> {
  return false; // replaced by the compatibility-layer work in progress
}
