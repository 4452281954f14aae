/** Anthropic Messages wire codec (client-apis.md §A): requests in, SSE frames or JSON out. */
export type * from './types.js';
export { decodeCountTokensRequest, decodeMessagesRequest, BILLING_HEADER_PREFIX } from './decode-request.js';
export { estimateInputTokens, estimateTextTokens, IMAGE_TOKEN_ESTIMATE } from './estimate-tokens.js';
export {
  aggregateMessage,
  encodeMessagesStream,
  messagesStreamEvents,
  pingFrame,
  sseFrame,
  stopReasonFor,
} from './encode-stream.js';
export type { MessagesEncodeContext } from './encode-stream.js';
export { decodeQueueFrameData, queueFrame } from './queue-frame.js';
export { ANTHROPIC_ERRORS, anthropicErrorFor, anthropicStreamErrorFrame } from './errors.js';
export type { AnthropicErrorResponse } from './errors.js';
export {
  newMessageId,
  newToolUseId,
  TOOL_USE_ID_PATTERN,
  UNSIGNED_THINKING_SIGNATURE,
} from './identifiers.js';
export { grammarViolation, parseSseText } from './stream-grammar.js';
export type { SseFrame } from './stream-grammar.js';
export { encodeAnthropicRequest } from './encode-request.js';
export type { AnthropicRequestBlock, AnthropicRequestBody, EncodeRequestOptions } from './encode-request.js';
export { decodeAnthropicStream } from './decode-stream.js';
