import type { ServerResponse } from 'node:http';

/**
 * Starts a streamed response if it has not started yet. With `flush`, the headers go out at once
 * (a client that has to wait in the queue then already has its `x-request-id`); otherwise they
 * leave with the first frame, saving a packet.
 */
export function startStream(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  flush = false,
): void {
  if (res.headersSent) return;
  res.writeHead(status, headers);
  if (flush) res.flushHeaders();
}

/**
 * Writes frames as they come, flushing each, and honours back-pressure: when the socket buffer is
 * full we wait for `drain` instead of growing memory, which in turn stops reading upstream (the
 * upstream iterator is only pulled when we ask for the next frame). When the client leaves, the
 * loop stops and `return()` runs on the iterator, which closes the upstream request.
 *
 * `onError` turns a failure after the stream began into the protocol's in-stream error frame
 * (or undefined to write nothing); the response is then ended.
 */
export async function pipeFrames(
  res: ServerResponse,
  frames: AsyncIterable<string>,
  signal: AbortSignal,
  onError: (err: unknown) => string | undefined,
): Promise<void> {
  // Frames produced in the same turn of the event loop (one upstream TCP read often carries many
  // NDJSON lines) go out in one write: cork on the first, uncork once the loop has moved on.
  let corked = false;
  const uncork = () => {
    corked = false;
    if (res.writableCorked > 0) res.uncork();
  };
  try {
    for await (const frame of frames) {
      if (signal.aborted || res.destroyed) break;
      if (!corked) {
        corked = true;
        res.cork();
        setImmediate(uncork);
      }
      if (!res.write(frame)) await drained(res);
    }
  } catch (err) {
    if (!signal.aborted && !res.destroyed) {
      const frame = onError(err);
      if (frame !== undefined) res.write(frame);
    }
  } finally {
    if (!res.destroyed) res.end();
  }
}

function drained(res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  // `close` also settles the wait, so a client that vanishes mid-drain cannot hang us.
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
