/**
 * Anthropic Messages stream events -> canonical `ChatEvent`s (client-apis.md §A.7), for Anthropic's
 * cloud as an upstream. Input is the parsed `data` of each SSE event (the SDK's raw stream yields
 * exactly these objects); `ping` and unknown event types are skipped, as the SDKs do.
 */
import type { ChatEvent, StopReason, ToolCall } from '../../core/chat.js';
import { CorralError } from '../../core/errors.js';
import type { ErrorKind } from '../../core/errors.js';

type Json = Record<string, unknown>;

interface OpenBlock {
  type: string;
  /** tool_use: the call so far. */
  id?: string;
  name?: string;
  json?: string;
}

/** The prompt's tokens: fresh input plus cache reads and cache writes (§A.6). */
const INPUT_FIELDS = ['input_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'] as const;
type InputUsage = Record<(typeof INPUT_FIELDS)[number], number>;

const ERROR_KINDS: Record<string, ErrorKind> = {
  invalid_request_error: 'invalid_request',
  rate_limit_error: 'rate_limited',
  overloaded_error: 'overloaded',
  timeout_error: 'timeout',
};

/**
 * Yields text and thinking deltas as they come, each tool call whole at its block's end, and
 * `done` with the stop reason and the usage of `message_start` as updated by `message_delta`
 * (whose counts are cumulative totals). An `error` event becomes a thrown `CorralError`; a stream
 * that ends without `message_stop` throws `upstream`, so a cut connection is never a clean answer.
 */
export async function* decodeAnthropicStream(events: AsyncIterable<unknown>): AsyncGenerator<ChatEvent> {
  const blocks = new Map<number, OpenBlock>();
  const input: InputUsage = { input_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
  let outputTokens = 0;
  let stopReason: StopReason = 'end_turn';
  for await (const raw of events) {
    if (!isObject(raw)) continue;
    switch (raw.type) {
      case 'message_start': {
        const usage = isObject(raw.message) && isObject(raw.message.usage) ? raw.message.usage : {};
        for (const key of INPUT_FIELDS) input[key] = num(usage[key]);
        outputTokens = num(usage.output_tokens);
        break;
      }
      case 'content_block_start': {
        const block = isObject(raw.content_block) ? raw.content_block : {};
        const open: OpenBlock = { type: String(block.type) };
        if (open.type === 'tool_use') {
          open.id = String(block.id ?? '');
          open.name = String(block.name ?? '');
          open.json = '';
        }
        blocks.set(num(raw.index), open);
        // Text may arrive whole in the start event (the API sends it empty, proxies may not).
        if (open.type === 'text' && typeof block.text === 'string' && block.text !== '')
          yield { type: 'text_delta', text: block.text };
        break;
      }
      case 'content_block_delta': {
        const delta = isObject(raw.delta) ? raw.delta : {};
        const open = blocks.get(num(raw.index));
        if (delta.type === 'text_delta' && typeof delta.text === 'string' && delta.text !== '')
          yield { type: 'text_delta', text: delta.text };
        else if (
          delta.type === 'thinking_delta' &&
          typeof delta.thinking === 'string' &&
          delta.thinking !== ''
        )
          yield { type: 'thinking_delta', thinking: delta.thinking };
        else if (
          delta.type === 'input_json_delta' &&
          open?.json !== undefined &&
          typeof delta.partial_json === 'string'
        )
          open.json += delta.partial_json;
        break;
      }
      case 'content_block_stop': {
        const index = num(raw.index);
        const open = blocks.get(index);
        blocks.delete(index);
        if (open?.type === 'tool_use') yield { type: 'tool_call', call: toolCall(open) };
        break;
      }
      case 'message_delta': {
        const delta = isObject(raw.delta) ? raw.delta : {};
        stopReason = stopReasonOf(delta.stop_reason);
        if (isObject(raw.usage)) {
          // Cumulative totals: each count given here replaces the one from message_start, as the
          // SDK does (an upstream gateway may start with an estimate and correct it here).
          const usage = raw.usage;
          if (isCount(usage.output_tokens)) outputTokens = usage.output_tokens;
          for (const key of INPUT_FIELDS) {
            const value = usage[key];
            if (isCount(value)) input[key] = value;
          }
        }
        break;
      }
      case 'message_stop':
        yield {
          type: 'done',
          stopReason,
          usage: { inputTokens: INPUT_FIELDS.reduce((sum, key) => sum + input[key], 0), outputTokens },
        };
        return;
      case 'error': {
        const error = isObject(raw.error) ? raw.error : {};
        const kind = ERROR_KINDS[String(error.type)] ?? 'upstream';
        throw new CorralError(
          kind,
          `cloud model failed: ${String(error.message ?? error.type ?? 'unknown error')}`,
        );
      }
      default:
        break;
    }
  }
  throw new CorralError('upstream', 'the cloud response ended before message_stop');
}

function toolCall(open: OpenBlock): ToolCall {
  let input: Record<string, unknown> = {};
  if (open.json) {
    try {
      const parsed: unknown = JSON.parse(open.json);
      if (isObject(parsed)) input = parsed;
    } catch {
      throw new CorralError(
        'upstream',
        `the cloud sent tool input that is not JSON for '${open.name ?? ''}'`,
      );
    }
  }
  return { id: open.id ?? '', name: open.name ?? '', input };
}

/**
 * `model_context_window_exceeded` is a truncation like `max_tokens` (the output hit the context
 * window first, §A.6). `pause_turn` and `refusal` have no canonical word: the turn ended.
 */
function stopReasonOf(value: unknown): StopReason {
  if (value === 'model_context_window_exceeded') return 'max_tokens';
  return value === 'max_tokens' || value === 'tool_use' || value === 'stop_sequence' ? value : 'end_turn';
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function num(value: unknown): number {
  return isCount(value) ? value : 0;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
