/**
 * The seam inside the emulator between the native engine (models, slots, loads, timing, scripted
 * replies: `engine/`, `native-routes.ts`) and the compatibility layers Ollama puts in front of its
 * native handlers (`compat/openai.ts`, `compat/anthropic.ts`). Ollama's own `/v1/*` endpoints are
 * translators that call the native chat handler; ours call `NativeRunner` the same way, so the
 * queueing, timing and failures are identical on every path.
 *
 * Wire shapes follow ../shared/reference/ollama-api.md §2 (field names exactly as on the wire).
 */

/** A native tool call, as Ollama sends and accepts it (§2.2). `arguments` is an object. */
export interface NativeToolCall {
  id?: string;
  function: { index?: number; name: string; arguments: Record<string, unknown> };
}

export interface NativeMessage {
  role: string;
  content: string;
  thinking?: string;
  images?: string[];
  tool_calls?: NativeToolCall[];
  tool_name?: string;
  tool_call_id?: string;
}

export interface NativeTool {
  type: string;
  function: { name: string; description?: string; parameters?: unknown };
}

/** A decoded and validated `/api/chat` request body. */
export interface NativeChatRequest {
  model: string;
  messages: NativeMessage[];
  stream?: boolean;
  format?: unknown;
  keep_alive?: number | string;
  tools?: NativeTool[];
  options?: Record<string, unknown>;
  think?: boolean | string;
}

/** One NDJSON line of a native `/api/chat` stream; the last one has `done: true` and the metrics. */
export interface NativeChatChunk {
  model: string;
  created_at: string;
  message: { role: 'assistant'; content: string; thinking?: string; tool_calls?: NativeToolCall[] };
  done: boolean;
  done_reason?: string;
  total_duration?: number;
  load_duration?: number;
  prompt_eval_count?: number;
  prompt_eval_duration?: number;
  eval_count?: number;
  eval_duration?: number;
}

/** A mid-stream failure line (§3.3): written as one more NDJSON line, after which the stream ends. */
export interface NativeErrorLine {
  error: string;
}

/**
 * The result of starting a native chat. Errors that happen before any output are `ok: false` and
 * carry the exact status and text of §3.2. Once `ok: true`, the iterable yields chunks and may
 * yield one `NativeErrorLine` as its last item (mid-stream failure). Iteration stops early (and the
 * slot is released) when the signal aborts or the consumer calls `return()`.
 */
export type NativeRun =
  | { ok: false; status: number; error: string }
  | { ok: true; chunks: AsyncIterable<NativeChatChunk | NativeErrorLine> };

export interface NativeEmbedRequest {
  model: string;
  input: string[];
  truncate?: boolean;
  dimensions?: number;
  keep_alive?: number | string;
  options?: Record<string, unknown>;
}

export type NativeEmbedResult =
  | { ok: false; status: number; error: string }
  | {
      ok: true;
      model: string;
      embeddings: number[][];
      total_duration: number;
      load_duration: number;
      prompt_eval_count: number;
    };

/** One installed model as `/api/tags` lists it (§2.5). */
export interface NativeTagEntry {
  name: string;
  model: string;
  modified_at: string;
  size: number;
  digest: string;
  details: {
    parent_model: string;
    format: string;
    family: string;
    families: string[];
    parameter_size: string;
    quantization_level: string;
  };
  capabilities?: string[];
}

/**
 * What a compatibility layer may ask of the engine. `headers` are the incoming request's headers
 * (lower-cased names), so that scripted-reply headers work on every path.
 */
export interface NativeRunner {
  chat(
    req: NativeChatRequest,
    ctx: { signal: AbortSignal; headers: Record<string, string | undefined> },
  ): Promise<NativeRun>;
  embed(
    req: NativeEmbedRequest,
    ctx: { signal: AbortSignal; headers: Record<string, string | undefined> },
  ): Promise<NativeEmbedResult>;
  /** Installed models, newest first, as `/api/tags` returns them. */
  tags(): NativeTagEntry[];
  /** Capabilities of an installed model (`completion`, `tools`, `thinking`, `vision`, `embedding`, …), or undefined if not installed. */
  capabilities(model: string): string[] | undefined;
}
