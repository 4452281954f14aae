/**
 * The canonical request and event types (DESIGN.md §3). Every client protocol decodes into these,
 * every backend consumes them, and every encoder builds its wire format from the events. Nothing
 * here knows a protocol's field names.
 */

export interface TextBlock {
  type: 'text';
  text: string;
}

export interface ImageBlock {
  type: 'image';
  /** e.g. `image/png`; `application/octet-stream` when the client did not say. */
  mediaType: string;
  /** Plain base64 (standard alphabet, no `data:` prefix). */
  data: string;
}

export interface ToolUseBlock {
  type: 'tool_use';
  /** May be empty: some clients (LangChain's ChatOllama) send calls without ids. */
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export interface ToolResultBlock {
  type: 'tool_result';
  /** Id of the tool_use this answers; empty when the client did not send one. */
  toolUseId: string;
  /** Name of the tool, when known (Ollama needs it as `tool_name`). */
  name?: string;
  content: Array<TextBlock | ImageBlock>;
  isError?: boolean;
}

export interface ThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature?: string;
}

export type ContentBlock = TextBlock | ImageBlock | ToolUseBlock | ToolResultBlock | ThinkingBlock;

/**
 * `system` is allowed inside messages because Ollama (and Claude Code, see real-clients.md) place
 * system text between turns; the top-level `ChatRequest.system` is the leading system prompt.
 */
export type Role = 'system' | 'user' | 'assistant' | 'tool';

export interface ChatMessage {
  role: Role;
  content: ContentBlock[];
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the input object. */
  inputSchema: Record<string, unknown>;
}

export type ToolChoice =
  { type: 'auto' } | { type: 'any' } | { type: 'none' } | { type: 'tool'; name: string };

export type ThinkSetting = boolean | 'low' | 'medium' | 'high' | 'max';

/** Sampling and length controls every protocol can express. */
export interface Sampling {
  temperature?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  stop?: string[];
  maxOutputTokens?: number;
  /** Context window the model should be loaded with (Ollama `num_ctx`, a load-time option). */
  numCtx?: number;
}

export type ClientProtocol = 'ollama' | 'openai' | 'anthropic';

export type Priority = string;

/** Who asked, and under what terms. Filled by the gate, not by decoders. */
export interface RequestMeta {
  /** Gateway request id, also sent as `x-request-id`. */
  id: string;
  tenant: string;
  priority?: Priority;
  protocol: ClientProtocol;
  /** The API key's id when keys are checked (never the key itself). */
  keyId?: string;
  /** Scheduling settings from the key's tenant record, when keys are checked. */
  tenantSettings?: { weight?: number; maxPriority?: string; maxQueued?: number; maxInFlight?: number };
  /** Models the caller may use (keys mode, from its tenant); absent or empty means all. */
  allowedModels?: readonly string[];
  /**
   * Keys mode: whether the key's tenant may overflow to the cloud (its record's `cloudFallback`).
   * Undefined in open mode, where `fallback.tenants` in config decides.
   */
  cloudFallback?: boolean;
  /**
   * The longest this request may wait in the queue (the client's `x-corral-max-wait-ms`); the
   * shorter of it and `scheduler.maxQueueWaitMs` applies. Past it the request times out, or goes
   * to the cloud fallback when it may.
   */
  maxQueueWaitMs?: number;
}

interface InferenceBase {
  /** Model name as the client sent it (echoed back in responses). */
  model: string;
  /** Ollama `keep_alive`: seconds or a Go duration string, passed through. */
  keepAlive?: number | string;
  /**
   * Options with no canonical meaning, passed to Ollama backends unchanged (e.g. `num_batch`,
   * `repeat_penalty`, `truncate`). Other backends ignore them.
   */
  ollamaOptions?: Record<string, unknown>;
  /** Top-level Ollama request fields with no canonical meaning (`truncate`, `shift`, …). */
  ollamaFields?: Record<string, unknown>;
}

export interface ChatRequest extends InferenceBase {
  kind: 'chat';
  system: TextBlock[];
  messages: ChatMessage[];
  tools: ToolDefinition[];
  toolChoice?: ToolChoice;
  sampling: Sampling;
  think?: ThinkSetting;
  /** `'json'` or a JSON Schema the output must follow. */
  format?: 'json' | Record<string, unknown>;
  stream: boolean;
}

/** Ollama's prompt-completion form (`/api/generate`); other protocols never produce it. */
export interface GenerateRequest extends InferenceBase {
  kind: 'generate';
  prompt: string;
  system?: string;
  suffix?: string;
  template?: string;
  raw?: boolean;
  context?: number[];
  images: string[];
  sampling: Sampling;
  think?: ThinkSetting;
  format?: 'json' | Record<string, unknown>;
  stream: boolean;
}

export interface EmbedRequest extends InferenceBase {
  kind: 'embed';
  input: string[];
  truncate?: boolean;
  dimensions?: number;
  /**
   * False when the client asked for raw vectors: Ollama's legacy `/api/embeddings` does not
   * L2-normalise (reference/ollama-api.md §2.4), every other embedding API does. Default true.
   */
  normalized?: boolean;
}

export type InferenceRequest = ChatRequest | GenerateRequest | EmbedRequest;

export type StopReason = 'end_turn' | 'max_tokens' | 'tool_use' | 'stop_sequence';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

/** Timings an upstream reported, in nanoseconds (Ollama's native metrics). */
export interface Timings {
  totalNs?: number;
  loadNs?: number;
  promptEvalNs?: number;
  evalNs?: number;
}

export interface ToolCall {
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export type ChatEvent =
  | { type: 'text_delta'; text: string }
  | { type: 'thinking_delta'; thinking: string }
  /** Ollama emits calls whole, so a call is one event. */
  | { type: 'tool_call'; call: ToolCall }
  | {
      type: 'done';
      stopReason: StopReason;
      usage: Usage;
      timings?: Timings;
      /** The upstream's own reason word when it had one (`stop`, `length`, `load`, `unload`, …). */
      upstreamReason?: string;
      /** `/api/generate` only: the token context to continue from. */
      context?: number[];
    };

export interface EmbedResult {
  embeddings: number[][];
  usage: Usage;
  timings?: Timings;
}
