/**
 * Anthropic's cloud through the official SDK. `@anthropic-ai/sdk` is loaded on the first call, so
 * apps that never use this provider need not install it. The request body is the one every bridge builds; the answer is the SDK's final message,
 * narrowed to the blocks a bridge response carries. There is no queue to report.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { AnthropicContentBlock, AnthropicMessage } from '../protocols/anthropic/index.js';
import { CorralError } from '../core/errors.js';
import { BaseBridge } from './base-bridge.js';
import { abortReason, anthropicError } from './errors.js';
import { DEFAULT_MAX_TOKENS, messagesRequestBody } from './request-body.js';
import type { BridgeEvent, BridgeMessage, GenerateOptions } from './types.js';

/** Settings of an `AnthropicBridge`. */
export interface AnthropicBridgeOptions {
  /** Model id, e.g. `claude-sonnet-4-5`. */
  model: string;
  /** API key; the SDK reads `ANTHROPIC_API_KEY` when absent. */
  apiKey?: string;
  /** Another endpoint speaking the Messages API (a proxy, or a test server). Host root, no `/v1`. */
  baseURL?: string;
  /** Default output limit (4096). */
  maxTokens?: number;
  /** SDK retries on 429/5xx/connection errors; default 2 (the SDK's). */
  maxRetries?: number;
}

type SdkMessage = Awaited<ReturnType<ReturnType<Anthropic['messages']['stream']>['finalMessage']>>;

/** A bridge to Anthropic's Messages API. */
export class AnthropicBridge extends BaseBridge {
  readonly provider = 'anthropic';
  readonly model: string;
  readonly #options: AnthropicBridgeOptions;
  readonly #maxTokens: number;
  #sdk: Promise<{ client: Anthropic; sdk: typeof Anthropic }> | undefined;

  constructor(options: AnthropicBridgeOptions) {
    super();
    this.model = options.model;
    this.#maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
    this.#options = options;
  }

  #load(): Promise<{ client: Anthropic; sdk: typeof Anthropic }> {
    const missing = (cause: unknown): never => {
      this.#sdk = undefined; // a later call tries again
      const hint = 'AnthropicBridge needs @anthropic-ai/sdk: npm install @anthropic-ai/sdk';
      throw new CorralError('internal', hint, { cause });
    };
    this.#sdk ??= import('@anthropic-ai/sdk').catch(missing).then(({ default: sdk }) => {
      const { apiKey, baseURL, maxRetries } = this.#options;
      const client = new sdk({
        ...(apiKey === undefined ? {} : { apiKey }),
        ...(baseURL === undefined ? {} : { baseURL }),
        ...(maxRetries === undefined ? {} : { maxRetries }),
      });
      return { client, sdk };
    });
    return this.#sdk;
  }

  async *streamResponse(
    messages: BridgeMessage[],
    options: GenerateOptions = {},
  ): AsyncGenerator<BridgeEvent> {
    const { stream: _stream, ...body } = messagesRequestBody(this.model, messages, options, this.#maxTokens);
    const params = body as unknown as Parameters<Anthropic['messages']['stream']>[0];
    const signal = options.signal;
    const { client, sdk } = await this.#load();
    try {
      const stream = client.messages.stream(params, signal === undefined ? {} : { signal });
      let started = false;
      for await (const event of stream) {
        if (!started) {
          started = true;
          yield { type: 'started' };
        }
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta')
          yield { type: 'text', text: event.delta.text };
      }
      yield { type: 'message', message: toBridgeMessage(await stream.finalMessage()) };
    } catch (err) {
      throw toBridgeError(sdk, err, signal);
    }
  }
}

function toBridgeError(sdk: typeof Anthropic, err: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted === true) return abortReason(signal);
  if (err instanceof sdk.APIConnectionError)
    return new CorralError('unavailable', 'cannot reach the Anthropic API', { cause: err });
  if (err instanceof sdk.APIError && typeof err.status === 'number')
    return anthropicError(err.status, err.error, err.headers);
  return err;
}

/** Only text, thinking and tool_use blocks are kept: server-tool and redacted blocks mean nothing to a bridge caller. */
function toBridgeMessage(message: SdkMessage): AnthropicMessage {
  const content: AnthropicContentBlock[] = [];
  for (const block of message.content) {
    if (block.type === 'text') content.push({ type: 'text', text: block.text });
    else if (block.type === 'thinking')
      content.push({ type: 'thinking', thinking: block.thinking, signature: block.signature });
    else if (block.type === 'tool_use')
      content.push({
        type: 'tool_use',
        id: block.id,
        name: block.name,
        input: (block.input ?? {}) as Record<string, unknown>,
      });
  }
  const stop = message.stop_reason;
  return {
    id: message.id,
    type: 'message',
    role: 'assistant',
    model: message.model,
    content,
    stop_reason:
      stop === 'end_turn' || stop === 'max_tokens' || stop === 'stop_sequence' || stop === 'tool_use'
        ? stop
        : null,
    stop_sequence: message.stop_sequence,
    usage: {
      input_tokens: message.usage.input_tokens,
      output_tokens: message.usage.output_tokens,
      cache_creation_input_tokens: message.usage.cache_creation_input_tokens ?? 0,
      cache_read_input_tokens: message.usage.cache_read_input_tokens ?? 0,
    },
  };
}
