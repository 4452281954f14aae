import type { NativeChatChunk } from '../contract.js';
import { goMarshal } from './go-json.js';
import { errorLineAsChunk, isErrorLine, type NativeItem } from './native-chunks.js';

/**
 * Native chat chunks → Anthropic Messages, streamed (§6.4) and not (§6.3). Pure: the encoder
 * returns the SSE frames for each native item; `sse.ts` writes them.
 */

/** §6.3 stop-reason table (scenario 16). An empty result means the field is omitted. */
export function mapStopReason(doneReason: string, hasToolCalls: boolean): string {
  if (hasToolCalls) return 'tool_use';
  if (doneReason === 'stop') return 'end_turn';
  if (doneReason === 'length') return 'max_tokens';
  return doneReason === '' ? '' : 'stop_sequence';
}

export type AnthropicContentBlock =
  | { type: 'thinking'; thinking: string }
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicContentBlock[] | null;
  stop_reason?: string;
  usage: { input_tokens: number; output_tokens: number };
}

/** §6.3: thinking, then text, then one tool_use per call; `content: null` when there is nothing. */
export function toAnthropicMessage(id: string, r: NativeChatChunk): AnthropicMessage {
  const content: AnthropicContentBlock[] = [];
  if (r.message.thinking) content.push({ type: 'thinking', thinking: r.message.thinking });
  if (r.message.content !== '') content.push({ type: 'text', text: r.message.content });
  for (const tc of r.message.tool_calls ?? []) {
    content.push({ type: 'tool_use', id: tc.id ?? '', name: tc.function.name, input: tc.function.arguments });
  }
  const msg: AnthropicMessage = {
    id,
    type: 'message',
    role: 'assistant',
    model: r.model,
    content: content.length > 0 ? content : null,
    usage: { input_tokens: r.prompt_eval_count ?? 0, output_tokens: r.eval_count ?? 0 },
  };
  const stop = mapStopReason(r.done_reason ?? '', (r.message.tool_calls ?? []).length > 0);
  if (stop !== '') msg.stop_reason = stop;
  // Keep Go's field order: stop_reason sits before usage.
  const { usage, ...head } = msg;
  return { ...head, usage };
}

export interface AnthropicStreamOptions {
  id: string;
  /** The request's model string, echoed in `message_start`. */
  model: string;
  estimatedInputTokens: number;
}

export interface AnthropicEvent {
  event: string;
  data: Record<string, unknown>;
}

/**
 * The §6.4 state machine. Invariants: indexes start at 0 and grow by one per block; at most one
 * thinking block per message (later thinking is dropped once it has been closed); at most one of
 * text/thinking is open at a time; tool_use blocks open and close within one push.
 */
export class AnthropicStreamEncoder {
  #started = false;
  #index = 0;
  #thinkingStarted = false;
  #thinkingDone = false;
  #textStarted = false;
  readonly #toolCallsSent = new Set<string>();
  #ended = false;
  readonly #opts: AnthropicStreamOptions;

  constructor(opts: AnthropicStreamOptions) {
    this.#opts = opts;
  }

  get ended(): boolean {
    return this.#ended;
  }

  push(item: NativeItem): string[] {
    return this.events(item).map(({ event, data }) => `event: ${event}\ndata: ${goMarshal(data)}\n\n`);
  }

  events(item: NativeItem): AnthropicEvent[] {
    if (this.#ended) return [];
    // §6.5: the error line decodes as an empty, unfinished chunk (no events), and the stream ends.
    const r = isErrorLine(item) ? errorLineAsChunk() : item;
    if (isErrorLine(item)) this.#ended = true;
    const out: AnthropicEvent[] = [];
    const stop = (): void =>
      void out.push({
        event: 'content_block_stop',
        data: { type: 'content_block_stop', index: this.#index },
      });
    const start = (block: Record<string, unknown>): void =>
      void out.push({
        event: 'content_block_start',
        data: { type: 'content_block_start', index: this.#index, content_block: block },
      });
    const delta = (d: Record<string, unknown>): void =>
      void out.push({
        event: 'content_block_delta',
        data: { type: 'content_block_delta', index: this.#index, delta: d },
      });

    if (!this.#started) {
      this.#started = true;
      out.push({ event: 'message_start', data: this.#messageStart(r) });
    }
    const thinking = r.message.thinking ?? '';
    if (thinking !== '' && !this.#thinkingDone) {
      // Thinking after text: close the text block and open thinking at the next index (#17101).
      if (this.#textStarted) {
        stop();
        this.#index++;
        this.#textStarted = false;
      }
      if (!this.#thinkingStarted) {
        this.#thinkingStarted = true;
        start({ type: 'thinking', thinking: '' });
      }
      delta({ type: 'thinking_delta', thinking });
    }
    if (r.message.content !== '') {
      this.#closeThinking(stop);
      if (!this.#textStarted) {
        this.#textStarted = true;
        start({ type: 'text', text: '' });
      }
      delta({ type: 'text_delta', text: r.message.content });
    }
    for (const tc of r.message.tool_calls ?? []) {
      const id = tc.id ?? '';
      if (this.#toolCallsSent.has(id)) continue;
      this.#closeThinking(stop);
      if (this.#textStarted) {
        stop();
        this.#index++;
        this.#textStarted = false;
      }
      // A call whose arguments cannot be serialised is skipped entirely (scenario 23).
      let args: string;
      try {
        args = goMarshal(tc.function.arguments);
      } catch {
        continue;
      }
      start({ type: 'tool_use', id, name: tc.function.name, input: {} });
      delta({ type: 'input_json_delta', partial_json: args });
      stop();
      this.#toolCallsSent.add(id);
      this.#index++;
    }
    if (r.done) {
      if (this.#textStarted || (this.#thinkingStarted && !this.#thinkingDone)) stop();
      const messageDelta: Record<string, unknown> = {};
      const reason = mapStopReason(r.done_reason ?? '', this.#toolCallsSent.size > 0);
      if (reason !== '') messageDelta.stop_reason = reason;
      out.push({
        event: 'message_delta',
        data: {
          type: 'message_delta',
          delta: messageDelta,
          usage: { input_tokens: r.prompt_eval_count ?? 0, output_tokens: r.eval_count ?? 0 },
        },
      });
      out.push({ event: 'message_stop', data: { type: 'message_stop' } });
      this.#ended = true;
    }
    return out;
  }

  #closeThinking(stop: () => void): void {
    if (this.#thinkingStarted && !this.#thinkingDone) {
      this.#thinkingDone = true;
      stop();
      this.#index++;
    }
  }

  #messageStart(first: NativeChatChunk): Record<string, unknown> {
    // The first chunk rarely has a prompt count, so the len/4 estimate stands in (§6.4, §6.6).
    const reported = first.prompt_eval_count ?? 0;
    const inputTokens = reported !== 0 ? reported : Math.max(this.#opts.estimatedInputTokens, 0);
    return {
      type: 'message_start',
      message: {
        id: this.#opts.id,
        type: 'message',
        role: 'assistant',
        model: this.#opts.model,
        content: [],
        usage: { input_tokens: inputTokens, output_tokens: 0 },
      },
    };
  }
}

/** Async-iterable form of the encoder (frames), for tests and simple callers. */
export async function* encodeAnthropicStream(
  items: AsyncIterable<NativeItem>,
  opts: AnthropicStreamOptions,
): AsyncGenerator<string> {
  const encoder = new AnthropicStreamEncoder(opts);
  for await (const item of items) {
    yield* encoder.push(item);
    if (encoder.ended) return;
  }
}
