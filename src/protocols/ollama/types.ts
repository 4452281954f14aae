/**
 * Ollama's native wire types (reference/ollama-api.md §2.2–§2.4), field names exactly as on the
 * wire. Requests carry an index signature because Ollama ignores unknown fields and we pass
 * top-level fields we do not model (`truncate`, `shift`, `logprobs`, …) through unchanged.
 */

/** A tool call as received and as emitted (§2.2): `arguments` is an object, `index` always sent. */
export interface OllamaToolCall {
  /** Omitted when empty; present in responses since 0.12.10. */
  id?: string;
  function: {
    /** 0-based position among the message's calls (0.12.6+). */
    index?: number;
    name: string;
    arguments: Record<string, unknown>;
  };
}

export interface OllamaMessage {
  role: string;
  /** Always a string on the wire (never an array of parts). */
  content: string;
  thinking?: string;
  /** Plain base64, no `data:` prefix. */
  images?: string[];
  tool_calls?: OllamaToolCall[];
  /** On `role:"tool"` messages (0.9.6+). */
  tool_name?: string;
  /** On `role:"tool"` messages (0.12.10+). */
  tool_call_id?: string;
}

export interface OllamaTool {
  type: string;
  function: {
    name: string;
    description?: string;
    parameters: Record<string, unknown>;
  };
}

export type OllamaThink = boolean | 'low' | 'medium' | 'high' | 'max';
export type OllamaFormat = 'json' | Record<string, unknown>;
/** Seconds (number) or a Go duration string (§2.8). */
export type OllamaKeepAlive = number | string;

export interface OllamaChatRequest {
  model: string;
  messages: OllamaMessage[];
  stream?: boolean;
  format?: OllamaFormat;
  keep_alive?: OllamaKeepAlive;
  tools?: OllamaTool[];
  options?: Record<string, unknown>;
  think?: OllamaThink;
  truncate?: boolean;
  shift?: boolean;
  logprobs?: boolean;
  top_logprobs?: number;
  _debug_render_only?: boolean;
  [field: string]: unknown;
}

export interface OllamaGenerateRequest {
  model: string;
  prompt: string;
  suffix?: string;
  system?: string;
  template?: string;
  /** Deprecated token context from a previous answer. */
  context?: number[];
  stream?: boolean;
  raw?: boolean;
  format?: OllamaFormat;
  keep_alive?: OllamaKeepAlive;
  images?: string[];
  options?: Record<string, unknown>;
  think?: OllamaThink;
  [field: string]: unknown;
}

export interface OllamaEmbedRequest {
  model: string;
  input: string | string[];
  truncate?: boolean;
  dimensions?: number;
  keep_alive?: OllamaKeepAlive;
  options?: Record<string, unknown>;
  [field: string]: unknown;
}

/** Legacy `POST /api/embeddings` (§2.4). */
export interface OllamaLegacyEmbeddingsRequest {
  model: string;
  prompt: string;
  keep_alive?: OllamaKeepAlive;
  options?: Record<string, unknown>;
  [field: string]: unknown;
}

/** The six metrics of a final chunk; each omitted when zero (§2.2). */
export interface OllamaMetrics {
  total_duration?: number;
  load_duration?: number;
  prompt_eval_count?: number;
  prompt_eval_duration?: number;
  eval_count?: number;
  eval_duration?: number;
}

export interface OllamaChatChunk extends OllamaMetrics {
  model: string;
  /** RFC 3339 with nanoseconds, UTC. */
  created_at: string;
  message: OllamaMessage;
  done: boolean;
  done_reason?: string;
}

export interface OllamaGenerateChunk extends OllamaMetrics {
  model: string;
  created_at: string;
  response: string;
  thinking?: string;
  tool_calls?: OllamaToolCall[];
  done: boolean;
  done_reason?: string;
  /** Final chunk only; omitted in raw mode. */
  context?: number[];
}

export interface OllamaEmbedResponse {
  model: string;
  embeddings: number[][];
  total_duration?: number;
  load_duration?: number;
  prompt_eval_count?: number;
}

export interface OllamaLegacyEmbeddingsResponse {
  embedding: number[];
}

/** Every native error body (§3.1). */
export interface OllamaErrorBody {
  error: string;
}
