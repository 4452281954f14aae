/**
 * Anthropic Messages wire types for what we emit (client-apis.md §A.6, §A.7, §A.8), field names
 * exactly as on the wire. Requests are read from `unknown` by the decoders, so their shapes live
 * in the decoders' comments rather than here.
 */

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  /** Always 0: Ollama's KV reuse is not reported separately (§C.8). Sent so cost maths never sees undefined. */
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export interface AnthropicTextBlock {
  type: 'text';
  text: string;
  /** Present (null) in aggregated messages as the real API sends it; absent in `content_block_start`. */
  citations?: null;
}

export interface AnthropicThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature: string;
}

export interface AnthropicToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export type AnthropicContentBlock = AnthropicTextBlock | AnthropicThinkingBlock | AnthropicToolUseBlock;

export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use';

/** A non-streaming response (§A.6) and the `message` of `message_start`. */
export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicContentBlock[];
  stop_reason: AnthropicStopReason | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

export type AnthropicDelta =
  | { type: 'text_delta'; text: string }
  | { type: 'thinking_delta'; thinking: string }
  | { type: 'signature_delta'; signature: string }
  | { type: 'input_json_delta'; partial_json: string };

/** The stream events of §A.7 (minus `ping` and `error`, which have their own frame helpers). */
export type AnthropicStreamEvent =
  | { type: 'message_start'; message: AnthropicMessage }
  | { type: 'content_block_start'; index: number; content_block: AnthropicContentBlock }
  | { type: 'content_block_delta'; index: number; delta: AnthropicDelta }
  | { type: 'content_block_stop'; index: number }
  | {
      type: 'message_delta';
      delta: { stop_reason: AnthropicStopReason; stop_sequence: string | null };
      usage: AnthropicUsage;
    }
  | { type: 'message_stop' };

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

/** §A.8 error body; `request_id` is omitted inside stream `error` events, as the real API does. */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
  request_id?: string;
}

/** Response of `POST /v1/messages/count_tokens` (§A.9). */
export interface AnthropicCountTokensResponse {
  input_tokens: number;
}
