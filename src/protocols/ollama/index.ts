/** Ollama's native wire format, both ways: clients → gateway and gateway → upstream Ollama. */
export type * from './types.js';
export {
  decodeChatRequest,
  decodeEmbedRequest,
  decodeGenerateRequest,
  decodeLegacyEmbeddingsRequest,
} from './decode-request.js';
export type { LegacyEmbeddingsRequest } from './decode-request.js';
export {
  encodeChatRequest,
  encodeEmbedRequest,
  encodeGenerateRequest,
  encodeOptions,
  SYSTEM_BLOCK_SEPARATOR,
  TOOL_ERROR_PREFIX,
} from './encode-request.js';
export type { EncodeRequestOptions } from './encode-request.js';
export { StreamDecoder, decodeStream, stopReasonFor } from './decode-stream.js';
export { decodeEmbedResponse } from './decode-embed-response.js';
export { NdjsonSplitter, parseNdjson, DEFAULT_MAX_LINE_BYTES } from './ndjson.js';
export type { NdjsonSplitterOptions } from './ndjson.js';
export {
  aggregateChat,
  aggregateGenerate,
  doneReasonFor,
  encodeChatStream,
  encodeEmbedResponse,
  encodeGenerateStream,
  encodeLegacyEmbeddingsResponse,
  encodeToolCall,
  keepAliveChunk,
} from './encode-stream.js';
export type { EncodeStreamContext } from './encode-stream.js';
export { encodeInstalledModels, encodeLoadedModels } from './encode-models.js';
export type { OllamaPsEntry, OllamaTagsEntry } from './encode-models.js';
export { OLLAMA_STATUS, ollamaErrorFor, ollamaStreamErrorLine } from './errors.js';
export type { OllamaErrorResponse } from './errors.js';
export { nowRfc3339Nano, rfc3339Nano } from './timestamps.js';
