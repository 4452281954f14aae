/**
 * Builds the final Anthropic message from its stream events (client-apis.md §A.7) the way the
 * SDK's `MessageStream` does: blocks open with `content_block_start`, grow by deltas, and
 * tool inputs arrive as JSON text parsed at `content_block_stop`.
 */
import { CorralError } from '../core/errors.js';
import { parseProviderJson } from './errors.js';
import type {
  AnthropicContentBlock,
  AnthropicMessage,
  AnthropicStopReason,
} from '../protocols/anthropic/index.js';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const num = (value: unknown): number => (typeof value === 'number' ? value : 0);

export class MessageAccumulator {
  #message: AnthropicMessage | undefined;
  readonly #json = new Map<number, string>();
  #stopped = false;

  /** True once `message_stop` arrived. */
  get isComplete(): boolean {
    return this.#stopped;
  }

  /** Applies one event (parsed wire data); returns the text it added, if any. */
  push(event: unknown): string | undefined {
    if (!isRecord(event)) return undefined;
    switch (event['type']) {
      case 'message_start':
        if (isRecord(event['message'])) this.#message = startMessage(event['message']);
        return undefined;
      case 'content_block_start':
        if (isRecord(event['content_block'])) this.#open(event['content_block']);
        return undefined;
      case 'content_block_delta':
        return this.#delta(num(event['index']), event['delta']);
      case 'content_block_stop':
        this.#close(num(event['index']));
        return undefined;
      case 'message_delta':
        this.#finishWith(event);
        return undefined;
      case 'message_stop':
        this.#stopped = true;
        return undefined;
      default:
        return undefined;
    }
  }

  /** The whole message; throws `upstream` if the stream ended before `message_stop`. */
  message(): AnthropicMessage {
    if (this.#message === undefined || !this.#stopped)
      throw new CorralError('upstream', 'the stream ended before the message was complete');
    return this.#message;
  }

  #open(block: Record<string, unknown>): void {
    const content = this.#message?.content;
    if (content === undefined) return;
    if (block['type'] === 'text') content.push({ type: 'text', text: String(block['text'] ?? '') });
    else if (block['type'] === 'thinking')
      content.push({ type: 'thinking', thinking: String(block['thinking'] ?? ''), signature: '' });
    else if (block['type'] === 'tool_use')
      content.push({
        type: 'tool_use',
        id: String(block['id'] ?? ''),
        name: String(block['name'] ?? ''),
        input: {},
      });
    // Unknown block types (server tools, redacted thinking) keep their index with an empty text
    // block, so later indexes still line up; empty text blocks are dropped in #finishWith.
    else content.push({ type: 'text', text: '' });
  }

  #delta(index: number, delta: unknown): string | undefined {
    const block: AnthropicContentBlock | undefined = this.#message?.content[index];
    if (!isRecord(delta) || block === undefined) return undefined;
    if (delta['type'] === 'text_delta' && block.type === 'text') {
      const text = String(delta['text'] ?? '');
      block.text += text;
      return text;
    }
    if (delta['type'] === 'thinking_delta' && block.type === 'thinking')
      block.thinking += String(delta['thinking']);
    else if (delta['type'] === 'signature_delta' && block.type === 'thinking')
      block.signature = String(delta['signature']);
    else if (delta['type'] === 'input_json_delta')
      this.#json.set(index, (this.#json.get(index) ?? '') + String(delta['partial_json'] ?? ''));
    return undefined;
  }

  #close(index: number): void {
    const block = this.#message?.content[index];
    const json = this.#json.get(index);
    if (block?.type !== 'tool_use' || json === undefined || json === '') return;
    const input = parseProviderJson(json, 'tool input');
    block.input = isRecord(input) ? input : {};
  }

  #finishWith(event: Record<string, unknown>): void {
    const message = this.#message;
    if (message === undefined) return;
    const delta = isRecord(event['delta']) ? event['delta'] : {};
    message.stop_reason = (delta['stop_reason'] as AnthropicStopReason | undefined) ?? null;
    message.stop_sequence = typeof delta['stop_sequence'] === 'string' ? delta['stop_sequence'] : null;
    if (isRecord(event['usage'])) {
      const usage = event['usage'];
      if (typeof usage['input_tokens'] === 'number') message.usage.input_tokens = usage['input_tokens'];
      message.usage.output_tokens = num(usage['output_tokens']);
    }
    message.content = message.content.filter((block) => block.type !== 'text' || block.text !== '');
  }
}

function startMessage(raw: Record<string, unknown>): AnthropicMessage {
  const usage = isRecord(raw['usage']) ? raw['usage'] : {};
  return {
    id: String(raw['id'] ?? ''),
    type: 'message',
    role: 'assistant',
    model: String(raw['model'] ?? ''),
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: {
      input_tokens: num(usage['input_tokens']),
      output_tokens: num(usage['output_tokens']),
      cache_creation_input_tokens: num(usage['cache_creation_input_tokens']),
      cache_read_input_tokens: num(usage['cache_read_input_tokens']),
    },
  };
}
