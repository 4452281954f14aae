/**
 * The bridge interface of the seed ("the same interface as the Anthropic bridge"): messages in and
 * responses out in Anthropic's Messages format, whichever provider answers. Field names of wire
 * shapes are Anthropic's (`tool_use_id`, `input_schema`, `stop_reason`); options are camelCase.
 */
import type { AnthropicMessage } from '../protocols/anthropic/index.js';

/** A text block of a request message. */
export interface BridgeTextBlock {
  type: 'text';
  text: string;
}

/** An image (base64 only: local models cannot fetch URLs). */
export interface BridgeImageBlock {
  type: 'image';
  source: { type: 'base64'; media_type: string; data: string };
}

/** A tool call the assistant made earlier in the conversation. */
export interface BridgeToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
}

/** The answer to a tool call, sent back in a user message. */
export interface BridgeToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | Array<BridgeTextBlock | BridgeImageBlock>;
  is_error?: boolean;
}

/** Thinking the assistant did earlier (kept so the conversation can be replayed). */
export interface BridgeThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature: string;
}

/** Any block a request message may carry. */
export type BridgeContentBlock =
  BridgeTextBlock | BridgeImageBlock | BridgeToolUseBlock | BridgeToolResultBlock | BridgeThinkingBlock;

/** One conversation turn, as Anthropic's Messages API takes it. */
export interface BridgeMessage {
  role: 'user' | 'assistant';
  content: string | BridgeContentBlock[];
}

/**
 * A tool the model may call. `input_schema` is Anthropic's name; `parameters` (the seed's and
 * OpenAI's name) is accepted too, so tool lists written for either work unchanged.
 */
export interface BridgeTool {
  name: string;
  description?: string;
  input_schema?: Record<string, unknown>;
  parameters?: Record<string, unknown>;
}

/** The response: an Anthropic message (`content` blocks text, thinking, tool_use; `usage`). */
export type BridgeResponse = AnthropicMessage;

/** Where a waiting request stands. `position` is 1-based; `etaMs` is absent until it can be estimated. */
export interface QueueNotice {
  position: number;
  ahead: number;
  etaMs?: number;
}

/** Options of one call; every field is optional. */
export interface GenerateOptions {
  /** System prompt. */
  system?: string;
  /** Appended to the system prompt after a blank line (the seed's per-turn context). */
  dynamicContent?: string;
  temperature?: number;
  /** Output limit; defaults to the bridge's `maxTokens` (4096 unless configured). */
  maxTokens?: number;
  tools?: BridgeTool[];
  /**
   * Accepted for the seed's signature. Bridges always stream on the wire (so waits are visible
   * and cancellable); `onText` receives the text as it arrives whatever this says.
   */
  stream?: boolean;
  /** Cancels the request: a waiting one leaves the queue, a running one stops generating. */
  signal?: AbortSignal;
  /** Each piece of answer text as it arrives. */
  onText?: (text: string) => void;
  /** Each change of queue position or ETA while the request waits. */
  onQueue?: (notice: QueueNotice) => void;
}

/** What `streamResponse` yields, in order: queue notices, `started`, text pieces, the message. */
export type BridgeEvent =
  | { type: 'queue'; notice: QueueNotice }
  | { type: 'started' }
  | { type: 'text'; text: string }
  | { type: 'message'; message: BridgeResponse };

/** A tool call taken out of a response (the seed's `extract_tool_calls` shape). */
export interface ExtractedToolCall {
  id: string;
  toolName: string;
  input: Record<string, unknown>;
}

/** The seed's queue statistics, for bridges that queue in-process. */
export interface QueueStats {
  /** Requests waiting for a slot. */
  queueSize: number;
  /** Requests being generated now. */
  activeRequests: number;
  /** Mean processing time of the recent completions, in ms; null when there were none. */
  avgProcessingTimeMs: number | null;
  /** Successful completions within the stats window (5 minutes by default). */
  recentCompletions: number;
}

/**
 * A provider of chat responses. Implementations: `CorralBridge` (a Corral gateway),
 * `OllamaBridge` (Ollama's native API with an in-process queue), `AnthropicBridge` (the cloud).
 */
export interface LLMBridge {
  /** Which provider this is (`corral`, `ollama`, `anthropic`). */
  readonly provider: string;
  /** The model requests are sent to. */
  readonly model: string;
  /** One response, with callbacks for text and queue notices. Rejects with a `CorralError`. */
  generateResponse(messages: BridgeMessage[], options?: GenerateOptions): Promise<BridgeResponse>;
  /** The same call as an async iterable of events; the last one is the whole message. */
  streamResponse(messages: BridgeMessage[], options?: GenerateOptions): AsyncIterable<BridgeEvent>;
  /** Concatenated text blocks of a response. */
  extractTextContent(response: BridgeResponse): string;
  /** The tool_use blocks of a response. */
  extractToolCalls(response: BridgeResponse): ExtractedToolCall[];
  /** Queue statistics, on bridges that queue in-process. */
  getQueueStats?(): QueueStats;
  /** Releases connections and timers; idempotent. */
  close?(): Promise<void>;
}
