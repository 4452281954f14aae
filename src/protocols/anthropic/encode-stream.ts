/**
 * Canonical events → Anthropic Messages responses: SSE frames for `stream:true` with the grammar
 * of client-apis.md §A.7, or one aggregated message (§A.6). Queue feedback frames are in
 * queue-frame.ts.
 *
 * A generation that ends without a `done` event throws `CorralError('upstream')`; errors thrown
 * by the event source pass through. The server turns either into `anthropicStreamErrorFrame`
 * (errors.ts) once output has begun.
 */
import type { ChatEvent, StopReason, Usage } from '../../core/chat.js';
import { CorralError } from '../../core/errors.js';
import { BlockSequencer } from './block-sequencer.js';
import { newToolUseId } from './identifiers.js';
import type {
  AnthropicContentBlock,
  AnthropicMessage,
  AnthropicStopReason,
  AnthropicStreamEvent,
  AnthropicUsage,
} from './types.js';

export interface MessagesEncodeContext {
  /** The message id, `msg_…` (identifiers.ts `newMessageId`). */
  id: string;
  /** The model name as the client sent it (echoed, §A.6). */
  model: string;
  /** Prompt estimate (`estimateInputTokens`): `message_start` needs one before Ollama counts (§C.8). */
  inputTokens: number;
  /** Mints client-visible tool-use ids; defaults to `newToolUseId`. Tests inject a counter. */
  newToolUseId?: () => string;
}

type DoneEvent = Extract<ChatEvent, { type: 'done' }>;

/**
 * One SSE frame. Every event needs an `event:` line and a blank line after it, the last one
 * included, or the SDK drops it (§1.4). JSON.stringify escapes CR and LF; U+2028/U+2029 are
 * escaped too, for line splitters that treat them as line ends.
 */
export function sseFrame(event: string, data: unknown): string {
  const json = JSON.stringify(data).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
  return `event: ${event}\ndata: ${json}\n\n`;
}

/** Keep-alive for waits and long generations (§1.8): SDKs skip `ping` events. */
export function pingFrame(): string {
  return sseFrame('ping', { type: 'ping' });
}

/**
 * §C.2: any tool call means `tool_use` unless output was cut (`max_tokens` wins, so truncation is
 * never hidden, litellm#25825); `tool_use` without a call would leave the client waiting for one,
 * so it becomes `end_turn`. `load`/`unload` answers are empty `end_turn`s.
 */
export function stopReasonFor(stopReason: StopReason, toolCalls: number): AnthropicStopReason {
  if (stopReason === 'max_tokens') return 'max_tokens';
  if (toolCalls > 0) return 'tool_use';
  return stopReason === 'tool_use' ? 'end_turn' : stopReason;
}

/**
 * Cumulative usage (§C.8): Ollama's prompt count when it gave one, else our estimate. Cache fields
 * are 0 rather than absent so clients doing cost arithmetic never meet `undefined`.
 */
function usageFor(usage: Usage, ctx: MessagesEncodeContext): AnthropicUsage {
  return {
    input_tokens: usage.inputTokens > 0 ? usage.inputTokens : ctx.inputTokens,
    output_tokens: usage.outputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
}

function startMessage(ctx: MessagesEncodeContext): AnthropicMessage {
  return {
    id: ctx.id,
    type: 'message',
    role: 'assistant',
    model: ctx.model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: usageFor({ inputTokens: ctx.inputTokens, outputTokens: 0 }, ctx),
  };
}

/**
 * The stream's wire events in order: `message_start`, the content blocks, one `message_delta`,
 * `message_stop`. `stop_sequence` is null: the canonical `done` event does not say which
 * sequence matched (Ollama strips it and reports `stop`, §C.2).
 */
export async function* messagesStreamEvents(
  events: AsyncIterable<ChatEvent>,
  ctx: MessagesEncodeContext,
): AsyncGenerator<AnthropicStreamEvent> {
  const blocks = new BlockSequencer(ctx.newToolUseId ?? newToolUseId);
  yield { type: 'message_start', message: startMessage(ctx) };
  for await (const event of events) {
    if (event.type !== 'done') {
      yield* blocks.push(event);
      continue;
    }
    yield* blocks.finish();
    yield* finalEvents(event, blocks.toolCalls, ctx);
    return;
  }
  throw new CorralError('upstream', 'the model server ended the generation without a final event');
}

function finalEvents(done: DoneEvent, toolCalls: number, ctx: MessagesEncodeContext): AnthropicStreamEvent[] {
  const delta = { stop_reason: stopReasonFor(done.stopReason, toolCalls), stop_sequence: null };
  return [{ type: 'message_delta', delta, usage: usageFor(done.usage, ctx) }, { type: 'message_stop' }];
}

/** SSE frames of a streamed response (§A.7). */
export async function* encodeMessagesStream(
  events: AsyncIterable<ChatEvent>,
  ctx: MessagesEncodeContext,
): AsyncGenerator<string> {
  for await (const event of messagesStreamEvents(events, ctx)) yield sseFrame(event.type, event);
}

/**
 * The non-streaming message (§A.6), built by replaying the same wire events the stream would
 * carry, the way the SDK's `MessageStream` accumulates them — so both paths agree by construction.
 */
export async function aggregateMessage(
  events: AsyncIterable<ChatEvent>,
  ctx: MessagesEncodeContext,
): Promise<AnthropicMessage> {
  const message = startMessage(ctx);
  const json = new Map<number, string>();
  for await (const event of messagesStreamEvents(events, ctx)) applyEvent(message, event, json);
  return message;
}

function applyEvent(message: AnthropicMessage, event: AnthropicStreamEvent, json: Map<number, string>): void {
  switch (event.type) {
    case 'content_block_start':
      message.content.push(
        event.content_block.type === 'text'
          ? { ...event.content_block, citations: null }
          : { ...event.content_block },
      );
      return;
    case 'content_block_delta':
      return applyDelta(message.content[event.index], event, json);
    case 'content_block_stop': {
      const block = message.content[event.index];
      const text = json.get(event.index);
      if (block?.type === 'tool_use' && text !== undefined)
        block.input = JSON.parse(text) as Record<string, unknown>;
      return;
    }
    case 'message_delta':
      message.stop_reason = event.delta.stop_reason;
      message.stop_sequence = event.delta.stop_sequence;
      message.usage = event.usage;
      return;
    case 'message_start':
    case 'message_stop':
      return;
  }
}

function applyDelta(
  block: AnthropicContentBlock | undefined,
  event: Extract<AnthropicStreamEvent, { type: 'content_block_delta' }>,
  json: Map<number, string>,
): void {
  const delta = event.delta;
  if (delta.type === 'text_delta' && block?.type === 'text') block.text += delta.text;
  else if (delta.type === 'thinking_delta' && block?.type === 'thinking') block.thinking += delta.thinking;
  else if (delta.type === 'signature_delta' && block?.type === 'thinking') block.signature = delta.signature;
  else if (delta.type === 'input_json_delta')
    json.set(event.index, (json.get(event.index) ?? '') + delta.partial_json);
}
