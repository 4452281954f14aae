import type { FastifyReply } from 'fastify';
import type { ChatEvent, ChatRequest, RequestMeta } from '../core/chat.js';
import type { QueueEvent } from '../core/queue-events.js';
import type { Gateway } from '../gateway/gateway.js';
import { generateFor, replyHeaders } from './reply-headers.js';
import { pipeFrames, startStream } from './stream-writer.js';

/** What an SSE protocol (Anthropic, OpenAI) supplies to stream one generation. */
export interface SseCodec {
  /** The generation as complete SSE frames. */
  frames(events: AsyncIterable<ChatEvent>): AsyncIterable<string>;
  /** A frame telling a waiting client where it stands (undefined: nothing to say). */
  queueFrame(event: QueueEvent): string | undefined;
  /** A frame that keeps idle connections and client timeouts alive. */
  keepAliveFrame(): string;
  /** The in-stream error frame for a failure after the response began. */
  errorFrame(err: unknown): string | undefined;
  /** Extra response headers (e.g. Anthropic's `request-id`). */
  headers?: Record<string, string>;
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
};

/**
 * Streams one generation as server-sent events. A request that has to wait gets its headers at
 * once, then queue frames and keep-alives (DESIGN.md §4); official SDKs ignore both. Keep-alives
 * continue through the generation whenever nothing was written for `keepAliveMs`, and start the
 * response when the upstream has been silent for a third of that (a cold model load can take
 * minutes before the first byte). A failure before the response began is thrown, so the
 * protocol's error handler answers with a real status; after that it becomes an error frame.
 */
export async function serveSseGeneration(
  gateway: Gateway,
  reply: FastifyReply,
  req: ChatRequest,
  meta: RequestMeta,
  signal: AbortSignal,
  codec: SseCodec,
  /** Silence after which a keep-alive frame is sent (config `server.keepAliveMs`). */
  keepAliveMs: number,
): Promise<FastifyReply> {
  const res = reply.raw;
  // Read when the response starts: the gateway may add headers until then (x-corral-served-by).
  const headers = () => ({ ...SSE_HEADERS, ...codec.headers, ...replyHeaders(reply) });
  let lastWriteMs = performance.now();
  const write = (frame: string | undefined) => {
    if (frame === undefined || res.destroyed) return;
    startStream(res, 200, headers());
    res.write(frame);
    lastWriteMs = performance.now();
  };
  // Before the response began, a third of the interval of silence is enough to start it: the
  // upstream is slow to answer (a cold model load), and waiting longer for its status would risk
  // the client's timeout. After that, one frame per interval of silence.
  const keepAlive = setInterval(() => {
    const silenceMs = res.headersSent ? keepAliveMs : keepAliveMs / 3;
    if (performance.now() - lastWriteMs >= silenceMs - 50) write(codec.keepAliveFrame());
  }, keepAliveMs / 3);
  try {
    let generation;
    try {
      generation = await generateFor(gateway, reply, req, meta, {
        signal,
        // A request that starts at once sends nothing early: a failure before its first token
        // still gets a real status code.
        onQueue: (event) => {
          if (event.type === 'queued' || res.headersSent) write(codec.queueFrame(event));
        },
      });
    } catch (err) {
      if (!res.headersSent) throw err;
      reply.hijack();
      write(codec.errorFrame(err));
      res.end();
      return reply;
    }
    reply.hijack();
    startStream(res, 200, headers());
    await pipeFrames(
      res,
      tap(codec.frames(generation.events), () => (lastWriteMs = performance.now())),
      signal,
      (err) => codec.errorFrame(err),
    );
    return reply;
  } finally {
    clearInterval(keepAlive);
  }
}

async function* tap(frames: AsyncIterable<string>, onFrame: () => void): AsyncGenerator<string> {
  for await (const frame of frames) {
    onFrame();
    yield frame;
  }
}
