/**
 * Ollama's native `/api/chat`, with the gateway's own codecs end to end: the Anthropic-format
 * call is decoded by `decodeMessagesRequest`, encoded by `encodeChatRequest`, the NDJSON answer
 * decoded by `decodeStream`, and re-encoded as Anthropic stream events by `messagesStreamEvents`
 * (so tool ids, stop reasons and usage come out exactly as a Corral gateway would send them).
 * Requests wait in an in-process `RequestQueue` first.
 */
import {
  decodeMessagesRequest,
  estimateInputTokens,
  messagesStreamEvents,
  newMessageId,
} from '../protocols/anthropic/index.js';
import { decodeStream, encodeChatRequest, parseNdjson } from '../protocols/ollama/index.js';
import { BaseBridge } from './base-bridge.js';
import { abortReason, ollamaError, readJsonBody, unreachable } from './errors.js';
import { MessageAccumulator } from './message-accumulator.js';
import { DEFAULT_MAX_TOKENS, messagesRequestBody } from './request-body.js';
import { RequestQueue } from './request-queue.js';
import type { Lease, LeaseOutcome, RequestQueueOptions } from './request-queue.js';
import type { BridgeEvent, BridgeMessage, GenerateOptions, QueueNotice, QueueStats } from './types.js';

/** Settings of an `OllamaBridge`. */
export interface OllamaBridgeOptions {
  /** Ollama's root URL; default `http://localhost:11434`. */
  url?: string;
  /** Model name (`qwen3:8b`, `llama3.2`). */
  model: string;
  /** Default output limit (4096). */
  maxTokens?: number;
  /** A queue shared with other bridges; default a new one built from `queueOptions`. */
  queue?: RequestQueue;
  queueOptions?: RequestQueueOptions;
}

/** A bridge to one Ollama server through an in-process queue with positions and stats. */
export class OllamaBridge extends BaseBridge {
  readonly provider = 'ollama';
  readonly model: string;
  /** The queue in front of the server (read its stats, or share it with another bridge). */
  readonly queue: RequestQueue;
  readonly #url: string;
  readonly #maxTokens: number;

  constructor(options: OllamaBridgeOptions) {
    super();
    this.model = options.model;
    this.#url = (options.url ?? 'http://localhost:11434').replace(/\/+$/, '');
    this.#maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
    this.queue = options.queue ?? new RequestQueue(options.queueOptions);
  }

  /** The seed's queue statistics. */
  getQueueStats(): QueueStats {
    return this.queue.getQueueStats();
  }

  async *streamResponse(
    messages: BridgeMessage[],
    options: GenerateOptions = {},
  ): AsyncGenerator<BridgeEvent> {
    // Decoding first: a malformed conversation fails before it waits in the queue.
    const req = decodeMessagesRequest(messagesRequestBody(this.model, messages, options, this.#maxTokens));
    const body = JSON.stringify(encodeChatRequest(req, { stream: true }));
    // Our own controller, so an abandoned iteration also frees its place or slot.
    const local = new AbortController();
    const signal =
      options.signal === undefined ? local.signal : AbortSignal.any([options.signal, local.signal]);
    let lease: Lease | undefined;
    let outcome: LeaseOutcome = 'cancelled';
    try {
      lease = yield* waitForSlot(this.queue, signal);
      const res = await this.#post(body, signal);
      if (res.status !== 200) throw ollamaError(res.status, await readJsonBody(res));
      if (res.body === null) throw ollamaError(502, {});
      yield { type: 'started' };
      const ctx = { id: newMessageId(), model: this.model, inputTokens: estimateInputTokens(req) };
      const accumulator = new MessageAccumulator();
      for await (const event of messagesStreamEvents(decodeStream(parseNdjson(res.body)), ctx)) {
        const text = accumulator.push(event);
        if (text !== undefined && text !== '') yield { type: 'text', text };
      }
      outcome = 'completed';
      yield { type: 'message', message: accumulator.message() };
    } catch (err) {
      outcome = signal.aborted ? 'cancelled' : 'failed';
      throw signal.aborted ? abortReason(signal) : err;
    } finally {
      local.abort();
      lease?.release(outcome);
    }
  }

  async #post(body: string, signal: AbortSignal): Promise<Response> {
    try {
      return await fetch(`${this.#url}/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal,
      });
    } catch (err) {
      if (signal.aborted) throw abortReason(signal);
      throw unreachable(this.#url, err);
    }
  }
}

/**
 * Waits for a slot, yielding each queue notice as it comes. If the caller stops iterating, the
 * signal (aborted by the caller's `finally`) takes the request out of the queue.
 */
async function* waitForSlot(queue: RequestQueue, signal: AbortSignal): AsyncGenerator<BridgeEvent, Lease> {
  const notices: QueueNotice[] = [];
  let wake: (() => void) | undefined;
  let settled = false;
  const lease = queue.acquire({
    signal,
    onPosition: (notice) => {
      notices.push(notice);
      wake?.();
    },
  });
  const done = (): void => {
    settled = true;
    wake?.();
  };
  lease.then(done, done);
  let handedOver = false;
  try {
    for (;;) {
      for (let notice = notices.shift(); notice !== undefined; notice = notices.shift())
        yield { type: 'queue', notice };
      if (settled) {
        handedOver = true;
        return await lease;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    // Abandoned between the grant and the hand-over: the slot must still be given back.
    if (!handedOver)
      lease.then(
        (granted) => granted.release('cancelled'),
        () => {},
      );
  }
}
