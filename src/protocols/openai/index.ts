/** OpenAI Chat Completions and Embeddings: clients → gateway (see ../design.md "openai/"). */
export type * from './types.js';
export { decodeChatCompletionsRequest } from './decode-request.js';
export type { DecodedChatCompletionsRequest } from './decode-request.js';
export { TEXT_PART_SEPARATOR } from './decode-content.js';
export {
  DONE_FRAME,
  aggregateChatCompletion,
  encodeChatCompletionsStream,
  finishReasonFor,
  sseFrame,
} from './encode-stream.js';
export type { ChatCompletionsContext } from './encode-stream.js';
export { KEEP_ALIVE_INTERVAL_MS, keepAliveComment, queueComment } from './queue-comments.js';
export { newToolCallId } from './tool-call-ids.js';
export { decodeEmbeddingsRequest, encodeEmbeddingsResponse } from './embeddings.js';
export type { DecodedEmbeddingsRequest, EmbeddingEncodingFormat } from './embeddings.js';
export { OPENAI_ERRORS, openaiErrorBody, openaiErrorFor, openaiStreamErrorFrame } from './errors.js';
export type { OpenAIErrorResponse } from './errors.js';
export { encodeModel, encodeModelList } from '../models-list.js';
export type { ModelEntry, ModelList } from '../models-list.js';
