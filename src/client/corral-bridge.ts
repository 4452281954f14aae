/**
 * A Corral gateway over its Anthropic endpoint (`POST /v1/messages`, streamed). While the
 * request waits, the gateway sends `event: queue` frames (protocols/anthropic/queue-frame.ts);
 * they are decoded with the gateway's own `decodeQueueFrameData` and surface as `queue` events.
 */
import { decodeQueueFrameData } from '../protocols/anthropic/index.js';
import { BaseBridge } from './base-bridge.js';
import { abortReason, anthropicError, parseProviderJson, readJsonBody, unreachable } from './errors.js';
import { MessageAccumulator } from './message-accumulator.js';
import { DEFAULT_MAX_TOKENS, messagesRequestBody } from './request-body.js';
import { readSse } from './sse-reader.js';
import type { BridgeEvent, BridgeMessage, GenerateOptions } from './types.js';

/** Settings of a `CorralBridge`. */
export interface CorralBridgeOptions {
  /** Gateway root, e.g. `http://127.0.0.1:11435` (no `/v1`). */
  url: string;
  /** Ollama model name as the gateway knows it (`llama3.2`, `qwen3:8b`). */
  model: string;
  /** API key, sent as `x-api-key` (needed when the gateway checks keys). */
  apiKey?: string;
  /** Default output limit (4096). */
  maxTokens?: number;
  /** Extra headers on every request (e.g. `x-corral-user`, `x-corral-priority`). */
  headers?: Record<string, string>;
}

/** A bridge to a Corral gateway; queue position and ETA arrive through `onQueue`. */
export class CorralBridge extends BaseBridge {
  readonly provider = 'corral';
  readonly model: string;
  readonly #url: string;
  readonly #options: CorralBridgeOptions;

  constructor(options: CorralBridgeOptions) {
    super();
    this.model = options.model;
    this.#url = options.url.replace(/\/+$/, '');
    this.#options = options;
  }

  async *streamResponse(
    messages: BridgeMessage[],
    options: GenerateOptions = {},
  ): AsyncGenerator<BridgeEvent> {
    const body = messagesRequestBody(
      this.model,
      messages,
      options,
      this.#options.maxTokens ?? DEFAULT_MAX_TOKENS,
    );
    const res = await this.#post(body, options.signal);
    if (res.status !== 200) throw anthropicError(res.status, await readJsonBody(res), res.headers);
    if (res.body === null) throw anthropicError(502, {});
    const message = new MessageAccumulator();
    let started = false;
    try {
      for await (const frame of readSse(res.body)) {
        const data = parseProviderJson(frame.data, `an "${frame.event}" event`);
        if (frame.event === 'queue') {
          const event = decodeQueueFrameData(data);
          if (event?.type === 'queued' || event?.type === 'progress') {
            const { position, ahead, etaMs } = event;
            yield {
              type: 'queue',
              notice: etaMs === undefined ? { position, ahead } : { position, ahead, etaMs },
            };
          }
          continue;
        }
        if (frame.event === 'error') throw anthropicError(200, data);
        if (!started && frame.event === 'message_start') {
          started = true;
          yield { type: 'started' };
        }
        const text = message.push(data);
        if (text !== undefined && text !== '') yield { type: 'text', text };
        if (message.isComplete) break;
      }
    } catch (err) {
      throw options.signal?.aborted === true ? abortReason(options.signal) : err;
    }
    yield { type: 'message', message: message.message() };
  }

  async #post(body: Record<string, unknown>, signal: AbortSignal | undefined): Promise<Response> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      ...this.#options.headers,
    };
    if (this.#options.apiKey !== undefined) headers['x-api-key'] = this.#options.apiKey;
    try {
      return await fetch(`${this.#url}/v1/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (err) {
      if (signal?.aborted === true) throw abortReason(signal);
      throw unreachable(this.#url, err);
    }
  }
}
