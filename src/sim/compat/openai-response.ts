import type { NativeChatChunk, NativeToolCall } from '../contract.js';
import { goMarshal } from './go-json.js';
import { errorLineAsChunk, isErrorLine, unixSeconds, type NativeItem } from './native-chunks.js';

/**
 * Native chat chunks → OpenAI chat completions, streamed (§5.4, the 0.32.6+ format) and not (§5.3).
 * Pure: the encoder turns each native item into the SSE frames to write; `sse.ts` writes them.
 */

export interface OpenAiToolCall {
  id: string;
  index: number;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

interface Delta {
  role?: 'assistant';
  content?: string;
  reasoning?: string;
  tool_calls?: OpenAiToolCall[];
}

export interface OpenAiChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  system_fingerprint: 'fp_ollama';
  choices: { index: 0; delta: Delta; finish_reason: string | null }[];
  usage?: OpenAiUsage;
}

/** Arguments go out as a JSON string (§5.3); `index` is the native `function.index` (0 if absent). */
export function toOpenAiToolCalls(calls: NativeToolCall[] | undefined): OpenAiToolCall[] {
  return (calls ?? []).map((tc) => ({
    id: tc.id ?? '',
    index: tc.function.index ?? 0,
    type: 'function',
    function: { name: tc.function.name, arguments: goMarshal(tc.function.arguments) },
  }));
}

export function toOpenAiUsage(r: NativeChatChunk): OpenAiUsage {
  const prompt = r.prompt_eval_count ?? 0;
  const completion = r.eval_count ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export interface OpenAiStreamOptions {
  id: string;
  includeUsage: boolean;
  /** Clock for chunks without a usable `created_at` (the error line). */
  nowMs?: () => number;
}

/** A state machine: feed it native items in order, write what it returns, stop once `ended`. */
export class OpenAiStreamEncoder {
  #firstChunkSent = false;
  #toolCallSent = false;
  #created: number | undefined;
  #ended = false;
  readonly #opts: OpenAiStreamOptions;

  constructor(opts: OpenAiStreamOptions) {
    this.#opts = opts;
  }

  get ended(): boolean {
    return this.#ended;
  }

  push(item: NativeItem): string[] {
    if (this.#ended) return [];
    // §5.4: the error line goes through the chunk converter as an empty response, then the
    // stream ends with no finish chunk and no [DONE].
    const r = isErrorLine(item) ? errorLineAsChunk() : item;
    if (isErrorLine(item)) this.#ended = true;
    // One `created` for the whole stream, taken from the first response (0.32.6+).
    this.#created ??= unixSeconds(r.created_at) ?? Math.floor((this.#opts.nowMs ?? Date.now)() / 1000);
    const frames: string[] = [];
    const m = r.message;
    const isEmptyTrailer =
      r.done && this.#firstChunkSent && m.content === '' && !m.thinking && (m.tool_calls ?? []).length === 0;
    if (!isEmptyTrailer) {
      for (const chunk of this.#contentChunks(r, !this.#firstChunkSent)) {
        if ((chunk.choices[0]?.delta.tool_calls ?? []).length > 0) this.#toolCallSent = true;
        frames.push(frame(chunk));
      }
      this.#firstChunkSent = true;
    }
    if (r.done) {
      frames.push(...this.#finish(r));
      this.#ended = true;
    }
    return frames;
  }

  #chunk(r: NativeChatChunk, delta: Delta, finishReason: string | null): OpenAiChunk {
    return {
      id: this.#opts.id,
      object: 'chat.completion.chunk',
      created: this.#created ?? 0,
      model: r.model,
      system_fingerprint: 'fp_ollama',
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    };
  }

  /** A native chunk with thinking *and* content/tool calls is split, reasoning first (§5.4). */
  #contentChunks(r: NativeChatChunk, includeRole: boolean): OpenAiChunk[] {
    const m = r.message;
    const toolCalls = toOpenAiToolCalls(m.tool_calls);
    const role: Delta = includeRole ? { role: 'assistant' } : {};
    const thinking = m.thinking ?? '';
    if (thinking !== '' && (m.content !== '' || toolCalls.length > 0)) {
      const second: Delta = { content: m.content };
      if (toolCalls.length > 0) second.tool_calls = toolCalls;
      return [this.#chunk(r, { ...role, reasoning: thinking }, null), this.#chunk(r, second, null)];
    }
    const delta: Delta = { ...role, content: m.content };
    if (thinking !== '') delta.reasoning = thinking;
    if (toolCalls.length > 0) delta.tool_calls = toolCalls;
    return [this.#chunk(r, delta, null)];
  }

  #finish(r: NativeChatChunk): string[] {
    // Only `stop` is relabelled; `length` or an unknown reason passes through untouched.
    let reason = r.done_reason || 'stop';
    if (reason === 'stop' && this.#toolCallSent) reason = 'tool_calls';
    const finish = this.#chunk(r, {}, reason);
    const frames = [frame(finish)];
    if (this.#opts.includeUsage) frames.push(frame({ ...finish, choices: [], usage: toOpenAiUsage(r) }));
    frames.push('data: [DONE]\n\n');
    return frames;
  }
}

function frame(chunk: OpenAiChunk | Record<string, unknown>): string {
  return `data: ${goMarshal(chunk)}\n\n`;
}

/** Async-iterable form of the encoder, for tests and for any caller without back-pressure needs. */
export async function* encodeOpenAiStream(
  items: AsyncIterable<NativeItem>,
  opts: OpenAiStreamOptions,
): AsyncGenerator<string> {
  const encoder = new OpenAiStreamEncoder(opts);
  for await (const item of items) {
    yield* encoder.push(item);
    if (encoder.ended) return;
  }
}

export interface OpenAiChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  system_fingerprint: 'fp_ollama';
  choices: {
    index: 0;
    message: { role: string; content: string; reasoning?: string; tool_calls?: OpenAiToolCall[] };
    finish_reason: string | null;
  }[];
  usage: OpenAiUsage;
}

/** §5.3: the aggregated native reply as one chat.completion object. */
export function toChatCompletion(
  id: string,
  r: NativeChatChunk,
  nowMs: () => number = Date.now,
): OpenAiChatCompletion {
  const toolCalls = toOpenAiToolCalls(r.message.tool_calls);
  const message: OpenAiChatCompletion['choices'][number]['message'] = {
    role: r.message.role,
    content: r.message.content,
  };
  if (r.message.thinking) message.reasoning = r.message.thinking;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  let reason = r.done_reason ?? '';
  if (reason === 'stop' && toolCalls.length > 0) reason = 'tool_calls';
  return {
    id,
    object: 'chat.completion',
    created: unixSeconds(r.created_at) ?? Math.floor(nowMs() / 1000),
    model: r.model,
    system_fingerprint: 'fp_ollama',
    choices: [{ index: 0, message, finish_reason: reason === '' ? null : reason }],
    usage: toOpenAiUsage(r),
  };
}
