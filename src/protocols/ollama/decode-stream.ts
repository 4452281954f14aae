/**
 * Upstream native chunks (already JSON-parsed) → canonical `ChatEvent`s (ollama-api.md §2.2,
 * §2.3, §3.3). One decoder per upstream response: it remembers which tool calls it has seen,
 * for the stop reason and to drop a call a server sends twice. Chat chunks carry `message`,
 * generate chunks `response`; the decoder reads either, so one class serves both endpoints.
 */
import type { ChatEvent, StopReason, Timings, ToolCall } from '../../core/chat.js';
import { CorralError } from '../../core/errors.js';
import type { JsonRecord } from './wire-read.js';
import { isRecord } from './wire-read.js';

function upstreamError(message: string): CorralError {
  return new CorralError('upstream', message);
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

export class StreamDecoder {
  #done = false;
  #sawToolCall = false;
  readonly #seenCallIds = new Set<string>();

  /** True once the `done:true` chunk was decoded; a stream ending before that was cut short. */
  get isDone(): boolean {
    return this.#done;
  }

  /**
   * Events for one chunk, in the order Ollama produces them: thinking, content, tool calls, then
   * `done`. A `{"error": "…"}` line (§3.3) throws `CorralError('upstream')` with its text.
   */
  push(chunk: unknown): ChatEvent[] {
    if (this.#done) return [];
    if (!isRecord(chunk)) throw upstreamError('upstream sent a chunk that is not a JSON object');
    const error = chunk['error'];
    if (error !== undefined && error !== null && error !== '') {
      throw upstreamError(typeof error === 'string' ? error : JSON.stringify(error));
    }
    const events: ChatEvent[] = [];
    const message = isRecord(chunk['message']) ? chunk['message'] : undefined;
    const parts = message ?? chunk;
    const thinking = parts['thinking'];
    if (typeof thinking === 'string' && thinking !== '') events.push({ type: 'thinking_delta', thinking });
    const text = message === undefined ? chunk['response'] : message['content'];
    if (typeof text === 'string' && text !== '') events.push({ type: 'text_delta', text });
    this.#pushToolCalls(parts['tool_calls'], events);
    if (chunk['done'] === true) events.push(this.#finish(chunk));
    return events;
  }

  #pushToolCalls(value: unknown, events: ChatEvent[]): void {
    if (!Array.isArray(value)) return;
    for (const raw of value) {
      const call = decodeToolCall(raw);
      if (call === undefined) continue;
      if (call.id !== '') {
        if (this.#seenCallIds.has(call.id)) continue;
        this.#seenCallIds.add(call.id);
      }
      this.#sawToolCall = true;
      events.push({ type: 'tool_call', call });
    }
  }

  #finish(chunk: JsonRecord): ChatEvent {
    this.#done = true;
    const reason =
      typeof chunk['done_reason'] === 'string' && chunk['done_reason'] !== ''
        ? chunk['done_reason']
        : undefined;
    const event: Extract<ChatEvent, { type: 'done' }> = {
      type: 'done',
      stopReason: stopReasonFor(reason, this.#sawToolCall),
      usage: {
        inputTokens: count(chunk['prompt_eval_count']) ?? 0,
        outputTokens: count(chunk['eval_count']) ?? 0,
      },
    };
    const timings = decodeTimings(chunk);
    if (timings !== undefined) event.timings = timings;
    if (reason !== undefined) event.upstreamReason = reason;
    const context = chunk['context'];
    if (Array.isArray(context) && context.every((n): n is number => typeof n === 'number'))
      event.context = context;
    return event;
  }
}

/**
 * `length` → max_tokens; a turn that made tool calls → tool_use (Ollama says `stop` there,
 * client-apis.md C.2); everything else, including `load`/`unload`, → end_turn. Ollama cannot
 * tell a stop sequence from EOS, so stop_sequence is never produced here.
 */
export function stopReasonFor(doneReason: string | undefined, sawToolCall: boolean): StopReason {
  if (doneReason === 'length') return 'max_tokens';
  return sawToolCall ? 'tool_use' : 'end_turn';
}

export function decodeTimings(chunk: JsonRecord): Timings | undefined {
  const timings: Timings = {};
  const total = count(chunk['total_duration']);
  if (total !== undefined) timings.totalNs = total;
  const load = count(chunk['load_duration']);
  if (load !== undefined) timings.loadNs = load;
  const prompt = count(chunk['prompt_eval_duration']);
  if (prompt !== undefined) timings.promptEvalNs = prompt;
  const evaluation = count(chunk['eval_duration']);
  if (evaluation !== undefined) timings.evalNs = evaluation;
  return Object.keys(timings).length === 0 ? undefined : timings;
}

/** A call whose arguments are not an object is kept with `{}` rather than dropped. */
function decodeToolCall(raw: unknown): ToolCall | undefined {
  if (!isRecord(raw) || !isRecord(raw['function'])) return undefined;
  const fn = raw['function'];
  const name = typeof fn['name'] === 'string' ? fn['name'] : '';
  const input = isRecord(fn['arguments']) ? fn['arguments'] : {};
  return { id: typeof raw['id'] === 'string' ? raw['id'] : '', name, input };
}

/**
 * Events of a whole upstream response. A stream that ends without `done:true` is an upstream
 * failure: the runner can stop silently (§3.3), and a client must not mistake that for an answer.
 */
export async function* decodeStream(chunks: AsyncIterable<unknown>): AsyncGenerator<ChatEvent> {
  const decoder = new StreamDecoder();
  for await (const chunk of chunks) yield* decoder.push(chunk);
  if (!decoder.isDone) throw upstreamError('upstream stream ended without a final chunk');
}
