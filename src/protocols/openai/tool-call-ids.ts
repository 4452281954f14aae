/**
 * Client-visible tool-call ids (client-apis.md C.3). An upstream id is kept when it is safe to
 * replay (`^[a-zA-Z0-9_-]+$`, router-for-me/CLIProxyAPI#1872) and not yet used in this response;
 * otherwise, and for the empty ids of older Ollama builds, we mint `call_` + 24 base62. Keeping
 * a good id means the next turn hands Ollama back the id it made.
 */
import { randomBytes } from 'node:crypto';

const SAFE_ID = /^[a-zA-Z0-9_-]+$/;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `call_` + 24 base62 characters (rejection sampling keeps them uniform). */
export function newToolCallId(): string {
  let id = 'call_';
  while (id.length < 29) {
    for (const byte of randomBytes(32)) {
      if (byte < 248 && id.length < 29) id += BASE62[byte % 62];
    }
  }
  return id;
}

/** One per response, shared by the streamed and aggregated paths so both apply one policy. */
export class ToolCallIds {
  readonly #used = new Set<string>();
  readonly #mint: () => string;

  constructor(mint: () => string = newToolCallId) {
    this.#mint = mint;
  }

  idFor(upstreamId: string): string {
    let id = SAFE_ID.test(upstreamId) && !this.#used.has(upstreamId) ? upstreamId : this.#mint();
    while (this.#used.has(id)) id = this.#mint();
    this.#used.add(id);
    return id;
  }
}
