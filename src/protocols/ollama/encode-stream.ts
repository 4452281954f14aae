/**
 * Canonical events → Ollama's native chunks for clients (ollama-api.md §2.2, §2.3), streamed
 * (one object per event, written as NDJSON by the server) or aggregated for `stream:false`.
 * Shapes follow Ollama exactly: `content`/`response` always present, `thinking` and
 * `tool_calls` only when non-empty, `done_reason` and the six metrics only on the final chunk,
 * each metric omitted when zero.
 */
import type { ChatEvent, EmbedResult, ToolCall } from '../../core/chat.js';
import { assertNever } from '../../core/assert-never.js';
import { CorralError } from '../../core/errors.js';
import type {
  OllamaChatChunk,
  OllamaEmbedResponse,
  OllamaGenerateChunk,
  OllamaLegacyEmbeddingsResponse,
  OllamaMetrics,
  OllamaToolCall,
} from './types.js';
import { nowRfc3339Nano } from './timestamps.js';

export interface EncodeStreamContext {
  /** The model name as the client sent it (echoed, §2.2). */
  model: string;
  /** RFC 3339 timestamp for each chunk; defaults to now, UTC, with sub-millisecond digits. */
  createdAt?: () => string;
  /** The gateway's own queue wait, added to `total_duration` as Ollama counts its own (§2.2). */
  extraTotalNs?: number;
}

type DoneEvent = Extract<ChatEvent, { type: 'done' }>;

/** Ollama's word for the stop: the upstream's own when it gave one (`load`, `unload`, …). */
export function doneReasonFor(event: DoneEvent): string {
  if (event.upstreamReason !== undefined) return event.upstreamReason;
  return event.stopReason === 'max_tokens' ? 'length' : 'stop';
}

/** The six metrics in Ollama's order, zeros omitted (they are `omitempty` in Go). */
export function metricsFor(event: DoneEvent, extraTotalNs = 0): OllamaMetrics {
  const t = event.timings ?? {};
  const values: Array<[keyof OllamaMetrics, number]> = [
    ['total_duration', (t.totalNs ?? 0) + extraTotalNs],
    ['load_duration', t.loadNs ?? 0],
    ['prompt_eval_count', event.usage.inputTokens],
    ['prompt_eval_duration', t.promptEvalNs ?? 0],
    ['eval_count', event.usage.outputTokens],
    ['eval_duration', t.evalNs ?? 0],
  ];
  const metrics: OllamaMetrics = {};
  for (const [key, value] of values) {
    const rounded = Math.round(value);
    if (rounded > 0) metrics[key] = rounded;
  }
  return metrics;
}

/** `function.index` is always present (0-based within the message); `id` only when known. */
export function encodeToolCall(call: ToolCall, index: number): OllamaToolCall {
  const fn = { index, name: call.name, arguments: call.input };
  return call.id === '' ? { function: fn } : { id: call.id, function: fn };
}

function endedEarly(): CorralError {
  return new CorralError('upstream', 'generation ended without a final event');
}

/** Chunks of `/api/chat` (§2.2): one per event, then the `done:true` chunk. */
export async function* encodeChatStream(
  events: AsyncIterable<ChatEvent>,
  ctx: EncodeStreamContext,
): AsyncGenerator<OllamaChatChunk> {
  const now = ctx.createdAt ?? nowRfc3339Nano;
  let callIndex = 0;
  for await (const event of events) {
    const base = { model: ctx.model, created_at: now() };
    switch (event.type) {
      case 'text_delta':
        if (event.text !== '')
          yield { ...base, message: { role: 'assistant', content: event.text }, done: false };
        break;
      case 'thinking_delta':
        if (event.thinking !== '') {
          yield {
            ...base,
            message: { role: 'assistant', content: '', thinking: event.thinking },
            done: false,
          };
        }
        break;
      case 'tool_call':
        yield {
          ...base,
          message: { role: 'assistant', content: '', tool_calls: [encodeToolCall(event.call, callIndex++)] },
          done: false,
        };
        break;
      case 'done':
        yield { ...base, message: { role: 'assistant', content: '' }, ...finalFields(event, ctx) };
        return;
      default:
        assertNever(event, 'chat event');
    }
  }
  throw endedEarly();
}

function finalFields(
  event: DoneEvent,
  ctx: EncodeStreamContext,
): { done: true; done_reason: string } & OllamaMetrics {
  return { done: true, done_reason: doneReasonFor(event), ...metricsFor(event, ctx.extraTotalNs) };
}

/**
 * The final generate chunk in Go's field order (api.GenerateResponse): response, thinking, done,
 * done_reason, context, the metrics, then tool_calls (§2.3).
 */
function generateFinal(
  event: DoneEvent,
  ctx: EncodeStreamContext,
  base: { model: string; created_at: string },
  parts: Partial<Collected> = {},
): OllamaGenerateChunk {
  const thinking = parts.thinking !== undefined && parts.thinking !== '' ? { thinking: parts.thinking } : {};
  const chunk: OllamaGenerateChunk = {
    ...base,
    response: parts.text ?? '',
    ...thinking,
    done: true,
    done_reason: doneReasonFor(event),
  };
  if (event.context !== undefined) chunk.context = event.context;
  Object.assign(chunk, metricsFor(event, ctx.extraTotalNs));
  if (parts.calls !== undefined && parts.calls.length > 0) chunk.tool_calls = parts.calls;
  return chunk;
}

/** Chunks of `/api/generate` (§2.3): `response` instead of `message`, `context` at the end. */
export async function* encodeGenerateStream(
  events: AsyncIterable<ChatEvent>,
  ctx: EncodeStreamContext,
): AsyncGenerator<OllamaGenerateChunk> {
  const now = ctx.createdAt ?? nowRfc3339Nano;
  let callIndex = 0;
  for await (const event of events) {
    const base = { model: ctx.model, created_at: now() };
    switch (event.type) {
      case 'text_delta':
        if (event.text !== '') yield { ...base, response: event.text, done: false };
        break;
      case 'thinking_delta':
        if (event.thinking !== '') yield { ...base, response: '', thinking: event.thinking, done: false };
        break;
      case 'tool_call':
        yield { ...base, response: '', done: false, tool_calls: [encodeToolCall(event.call, callIndex++)] };
        break;
      case 'done':
        yield generateFinal(event, ctx, base);
        return;
      default:
        assertNever(event, 'generate event');
    }
  }
  throw endedEarly();
}

/**
 * A chunk that says nothing, for a stream that would otherwise be silent (queued, or the upstream
 * loading a model): HTTP clients give up after minutes without a byte (Node fetch: 300 s), and
 * NDJSON has no comment lines. The shape is an ordinary `done:false` chunk with empty text, as
 * Ollama itself sends (§2.2, §2.3), so clients that concatenate `content` / `response` see
 * nothing, and strict readers see a valid line. Never sent after `done:true`.
 */
export function keepAliveChunk(
  kind: 'chat' | 'generate',
  model: string,
  createdAt: string = nowRfc3339Nano(),
): OllamaChatChunk | OllamaGenerateChunk {
  const base = { model, created_at: createdAt };
  return kind === 'chat'
    ? { ...base, message: { role: 'assistant', content: '' }, done: false }
    : { ...base, response: '', done: false };
}

interface Collected {
  text: string;
  thinking: string;
  calls: OllamaToolCall[];
  done: DoneEvent;
}

/** Concatenates a whole generation, as Ollama does for `stream:false` (§2.2). */
async function collect(events: AsyncIterable<ChatEvent>): Promise<Collected> {
  let text = '';
  let thinking = '';
  const calls: OllamaToolCall[] = [];
  for await (const event of events) {
    if (event.type === 'text_delta') text += event.text;
    else if (event.type === 'thinking_delta') thinking += event.thinking;
    else if (event.type === 'tool_call') calls.push(encodeToolCall(event.call, calls.length));
    else return { text, thinking, calls, done: event };
  }
  throw endedEarly();
}

/** The `stream:false` answer of `/api/chat`: the final chunk with the whole message. */
export async function aggregateChat(
  events: AsyncIterable<ChatEvent>,
  ctx: EncodeStreamContext,
): Promise<OllamaChatChunk> {
  const { text, thinking, calls, done } = await collect(events);
  const message: OllamaChatChunk['message'] = { role: 'assistant', content: text };
  if (thinking !== '') message.thinking = thinking;
  if (calls.length > 0) message.tool_calls = calls;
  const createdAt = (ctx.createdAt ?? nowRfc3339Nano)();
  return { model: ctx.model, created_at: createdAt, message, ...finalFields(done, ctx) };
}

/** The `stream:false` answer of `/api/generate`. */
export async function aggregateGenerate(
  events: AsyncIterable<ChatEvent>,
  ctx: EncodeStreamContext,
): Promise<OllamaGenerateChunk> {
  const collected = await collect(events);
  const base = { model: ctx.model, created_at: (ctx.createdAt ?? nowRfc3339Nano)() };
  return generateFinal(collected.done, ctx, base, collected);
}

/** `/api/embed` answer (§2.4). */
export function encodeEmbedResponse(model: string, result: EmbedResult): OllamaEmbedResponse {
  const out: OllamaEmbedResponse = { model, embeddings: result.embeddings };
  const total = Math.round(result.timings?.totalNs ?? 0);
  if (total > 0) out.total_duration = total;
  const load = Math.round(result.timings?.loadNs ?? 0);
  if (load > 0) out.load_duration = load;
  if (result.usage.inputTokens > 0) out.prompt_eval_count = result.usage.inputTokens;
  return out;
}

/** Legacy `/api/embeddings` answer: the one vector, `[]` for an empty prompt (§2.4). */
export function encodeLegacyEmbeddingsResponse(result: EmbedResult): OllamaLegacyEmbeddingsResponse {
  return { embedding: result.embeddings[0] ?? [] };
}
