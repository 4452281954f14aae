/** OpenAI Chat Completions and Embeddings response shapes, field names as on the wire (client-apis.md B.3–B.5). */

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls';

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  /** A JSON string, never an object: the SDK would concatenate `"[object Object]"` (B.4). */
  function: { name: string; arguments: string };
}

/** Reasoning goes in both non-standard fields; see design.md "openai/". */
export interface OpenAIReasoningFields {
  reasoning_content?: string;
  reasoning?: string;
}

export interface OpenAIChunkDelta extends OpenAIReasoningFields {
  role?: 'assistant';
  content?: string;
  tool_calls?: Array<OpenAIToolCall & { index: number }>;
}

export interface OpenAIChunkChoice {
  index: 0;
  delta: OpenAIChunkDelta;
  logprobs: null;
  finish_reason: OpenAIFinishReason | null;
}

export interface OpenAIChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: OpenAIChunkChoice[];
  /** `null` on ordinary chunks when usage was asked for, as OpenAI does; omitted otherwise. */
  usage?: OpenAIUsage | null;
}

export interface OpenAIAssistantMessage extends OpenAIReasoningFields {
  role: 'assistant';
  /** `null` when the turn is only tool calls, as OpenAI answers (B.3). */
  content: string | null;
  refusal: null;
  tool_calls?: OpenAIToolCall[];
}

export interface OpenAIChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: 0;
    message: OpenAIAssistantMessage;
    logprobs: null;
    finish_reason: OpenAIFinishReason;
  }>;
  usage: OpenAIUsage;
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface OpenAIEmbeddingsResponse {
  object: 'list';
  data: Array<{ object: 'embedding'; embedding: number[] | string; index: number }>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}
