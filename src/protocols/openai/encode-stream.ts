/**
 * Canonical events → OpenAI Chat Completions, streamed as SSE frames (client-apis.md B.4) or
 * aggregated into one object (B.3). Errors are not encoded here: a failing event source, or one
 * that ends without `done`, makes these functions throw, and the server then writes
 * `openaiStreamErrorFrame` (no `[DONE]` after it) or an error status.
 */
import type { ChatEvent, ToolCall, Usage } from '../../core/chat.js';
import { assertNever } from '../../core/assert-never.js';
import { CorralError } from '../../core/errors.js';
import { ToolCallIds } from './tool-call-ids.js';
import type {
  OpenAIAssistantMessage,
  OpenAIChatCompletion,
  OpenAIChatCompletionChunk,
  OpenAIChunkDelta,
  OpenAIFinishReason,
  OpenAIReasoningFields,
  OpenAIToolCall,
  OpenAIUsage,
} from './types.js';

export interface ChatCompletionsContext {
  /** `chatcmpl-…`, unique per response (C.3: Ollama's own `chatcmpl-<0..998>` is not). */
  id: string;
  /** The model name as the client sent it. */
  model: string;
  /** Unix seconds, the same on every chunk (B.4). */
  created: number;
  /** `stream_options.include_usage`: end with a `choices: []` usage chunk. */
  includeUsage: boolean;
  /** Mints tool-call ids when the upstream gave none; tests pass a deterministic one. */
  newToolCallId?: () => string;
}

type DoneEvent = Extract<ChatEvent, { type: 'done' }>;

export const DONE_FRAME = 'data: [DONE]\n\n';

export function sseFrame(data: unknown): string {
  // JSON.stringify escapes newlines, so one `data:` line always holds the whole chunk.
  return `data: ${JSON.stringify(data)}\n\n`;
}

/**
 * C.2: `length` wins even with tool calls (BerriAI/litellm#25825 hid truncation); otherwise any
 * emitted call means `tool_calls` (open-webui PR#20933: agents stop on `stop`). A canonical
 * `tool_use` with no call seen says `stop`, since a client would look for calls and find none.
 */
export function finishReasonFor(event: DoneEvent, toolCallCount: number): OpenAIFinishReason {
  if (event.stopReason === 'max_tokens') return 'length';
  return toolCallCount > 0 ? 'tool_calls' : 'stop';
}

export function usageFor(usage: Usage): OpenAIUsage {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

/** Both non-standard names: `reasoning_content` (vLLM, DeepSeek) and `reasoning` (Ollama), C.7. */
export function reasoningFields(text: string): OpenAIReasoningFields {
  return { reasoning_content: text, reasoning: text };
}

export function encodeToolCall(call: ToolCall, ids: ToolCallIds): OpenAIToolCall {
  return {
    id: ids.idFor(call.id),
    type: 'function',
    function: { name: call.name, arguments: JSON.stringify(call.input) },
  };
}

function chunkMaker(ctx: ChatCompletionsContext) {
  return (
    delta: OpenAIChunkDelta,
    finishReason: OpenAIFinishReason | null = null,
  ): OpenAIChatCompletionChunk => {
    const chunk: OpenAIChatCompletionChunk = {
      id: ctx.id,
      object: 'chat.completion.chunk',
      created: ctx.created,
      model: ctx.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
    if (ctx.includeUsage) chunk.usage = null;
    return chunk;
  };
}

function endedEarly(): CorralError {
  return new CorralError('upstream', 'generation ended without a final event');
}

/**
 * SSE frames for `stream: true` (B.4): role chunk, then one chunk per content, reasoning or
 * tool-call event, the finish chunk, the usage chunk when asked, and `[DONE]`. The role chunk
 * waits for the first event, so a source that fails before any output yields nothing and the
 * server can still answer with a real status.
 */
export async function* encodeChatCompletionsStream(
  events: AsyncIterable<ChatEvent>,
  ctx: ChatCompletionsContext,
): AsyncGenerator<string> {
  const chunk = chunkMaker(ctx);
  const ids = new ToolCallIds(ctx.newToolCallId);
  let callIndex = 0;
  let started = false;
  for await (const event of events) {
    if (!started) {
      started = true;
      yield sseFrame(chunk({ role: 'assistant', content: '' }));
    }
    switch (event.type) {
      case 'text_delta':
        if (event.text !== '') yield sseFrame(chunk({ content: event.text }));
        break;
      case 'thinking_delta':
        if (event.thinking !== '') yield sseFrame(chunk(reasoningFields(event.thinking)));
        break;
      case 'tool_call':
        // Whole call in one delta with its own index (ollama#7881, #15457), string arguments.
        yield sseFrame(chunk({ tool_calls: [{ index: callIndex++, ...encodeToolCall(event.call, ids) }] }));
        break;
      case 'done':
        yield* finish(event, ctx, chunk({}, finishReasonFor(event, callIndex)));
        return;
      default:
        assertNever(event, 'chat event');
    }
  }
  throw endedEarly();
}

function* finish(
  event: DoneEvent,
  ctx: ChatCompletionsContext,
  finishChunk: OpenAIChatCompletionChunk,
): Generator<string> {
  yield sseFrame(finishChunk);
  if (ctx.includeUsage) {
    const { id, object, created, model } = finishChunk;
    yield sseFrame({ id, object, created, model, choices: [], usage: usageFor(event.usage) });
  }
  yield DONE_FRAME;
}

/**
 * The `stream: false` answer (B.3). `content` is `null` when the turn is only tool calls, as
 * OpenAI answers, and `""` for an empty answer without calls; reasoning rides beside it.
 */
export async function aggregateChatCompletion(
  events: AsyncIterable<ChatEvent>,
  ctx: ChatCompletionsContext,
): Promise<OpenAIChatCompletion> {
  const ids = new ToolCallIds(ctx.newToolCallId);
  let text = '';
  let thinking = '';
  const calls: OpenAIToolCall[] = [];
  for await (const event of events) {
    if (event.type === 'text_delta') text += event.text;
    else if (event.type === 'thinking_delta') thinking += event.thinking;
    else if (event.type === 'tool_call') calls.push(encodeToolCall(event.call, ids));
    else return completion(ctx, event, { text, thinking, calls });
  }
  throw endedEarly();
}

function completion(
  ctx: ChatCompletionsContext,
  done: DoneEvent,
  parts: { text: string; thinking: string; calls: OpenAIToolCall[] },
): OpenAIChatCompletion {
  const content = parts.text === '' && parts.calls.length > 0 ? null : parts.text;
  const reasoning = parts.thinking === '' ? {} : reasoningFields(parts.thinking);
  const message: OpenAIAssistantMessage = { role: 'assistant', content, ...reasoning, refusal: null };
  if (parts.calls.length > 0) message.tool_calls = parts.calls;
  return {
    id: ctx.id,
    object: 'chat.completion',
    created: ctx.created,
    model: ctx.model,
    choices: [
      { index: 0, message, logprobs: null, finish_reason: finishReasonFor(done, parts.calls.length) },
    ],
    usage: usageFor(done.usage),
  };
}
