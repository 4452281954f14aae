import type { ServerResponse } from 'node:http';
import type { NativeItem } from './native-chunks.js';

/** What both protocol encoders look like to the writer. */
export interface FrameEncoder {
  push(item: NativeItem): string[];
  readonly ended: boolean;
}

/** §1: OpenAI streams carry only the content type; §6.4: Anthropic adds cache and connection headers. */
export const OPENAI_SSE_HEADERS: Readonly<Record<string, string>> = { 'Content-Type': 'text/event-stream' };
export const ANTHROPIC_SSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache',
  Connection: 'keep-alive',
};

function waitForDrain(res: ServerResponse): Promise<void> {
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
 * Pulls native items, writes each encoded frame as its own `res.write` (one flush per frame, and
 * the slow client slows the pull), and ends the response. Headers go out with the first frame,
 * as Ollama only starts a stream when the first token is ready (§3.3). When the client leaves,
 * the native iterator's `return()` is called so the engine stops generating and frees the slot.
 */
export async function pipeFrames(
  res: ServerResponse,
  items: AsyncIterable<NativeItem>,
  encoder: FrameEncoder,
  signal: AbortSignal,
  headers: Readonly<Record<string, string>>,
): Promise<void> {
  const iterator = items[Symbol.asyncIterator]();
  let exhausted = false;
  let returned = false;
  const stopReading = (): void => {
    if (returned) return;
    returned = true;
    iterator.return?.().catch(() => undefined);
  };
  signal.addEventListener('abort', stopReading, { once: true });
  try {
    while (!signal.aborted) {
      let next: IteratorResult<NativeItem>;
      try {
        next = await iterator.next();
      } catch {
        break; // the engine failed without an error line: the stream just ends
      }
      if (next.done) {
        exhausted = true;
        break;
      }
      // After the final frame, keep pulling (and ignoring) so the engine finishes normally.
      if (encoder.ended) continue;
      for (const frame of encoder.push(next.value)) {
        if (signal.aborted || res.destroyed) break;
        if (!res.headersSent) res.writeHead(200, headers);
        if (!res.write(frame)) await waitForDrain(res);
      }
    }
  } finally {
    signal.removeEventListener('abort', stopReading);
    if (!exhausted) stopReading();
    if (!res.headersSent && !res.destroyed) res.writeHead(200, headers);
    if (!res.destroyed) res.end();
  }
}
