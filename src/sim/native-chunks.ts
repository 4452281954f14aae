import type { NativeChatChunk, NativeErrorLine, NativeToolCall } from './contract.js';
import { contextIds } from './generate-text.js';
import type { GenEvent, Metrics } from './generation.js';
import { nowRfc3339 } from './timing.js';

/**
 * Native wire chunks (§2.2, §2.3) built from generation events, and the `stream:false`
 * aggregation. Field order follows Ollama's structs; zero metrics are omitted (omitempty).
 */

export interface NativeGenerateChunk {
  model: string;
  created_at: string;
  response: string;
  thinking?: string;
  done: boolean;
  done_reason?: string;
  context?: number[];
  total_duration?: number;
  load_duration?: number;
  prompt_eval_count?: number;
  prompt_eval_duration?: number;
  eval_count?: number;
  eval_duration?: number;
  tool_calls?: NativeToolCall[];
}

function addMetrics<T extends object>(target: T, m: Metrics): T {
  const t = target as Record<string, unknown>;
  for (const key of [
    'total_duration',
    'load_duration',
    'prompt_eval_count',
    'prompt_eval_duration',
    'eval_count',
    'eval_duration',
  ] as const) {
    if (m[key] > 0) t[key] = m[key];
  }
  return target;
}

export function chatChunk(model: string, ev: GenEvent): NativeChatChunk | NativeErrorLine {
  const created_at = nowRfc3339();
  switch (ev.type) {
    case 'content':
      return { model, created_at, message: { role: 'assistant', content: ev.text }, done: false };
    case 'thinking':
      return {
        model,
        created_at,
        message: { role: 'assistant', content: '', thinking: ev.text },
        done: false,
      };
    case 'tool_calls':
      return {
        model,
        created_at,
        message: { role: 'assistant', content: '', tool_calls: ev.calls },
        done: false,
      };
    case 'error':
      return { error: ev.message };
    case 'done': {
      const message: NativeChatChunk['message'] = { role: 'assistant', content: '' };
      if (ev.toolCalls) message.tool_calls = ev.toolCalls;
      return addMetrics<NativeChatChunk>(
        { model, created_at, message, done: true, done_reason: ev.doneReason },
        ev.metrics,
      );
    }
  }
}

/** The load/unload reply of an empty chat (§2.2 special replies). */
export function chatSpecialReply(model: string, doneReason: 'load' | 'unload'): NativeChatChunk {
  return {
    model,
    created_at: nowRfc3339(),
    message: { role: 'assistant', content: '' },
    done: true,
    done_reason: doneReason,
  };
}

export function generateSpecialReply(model: string, doneReason: 'load' | 'unload'): NativeGenerateChunk {
  return { model, created_at: nowRfc3339(), response: '', done: true, done_reason: doneReason };
}

export function generateChunk(
  model: string,
  ev: GenEvent,
  context: { promptTokens: number; seed: number; raw: boolean },
): NativeGenerateChunk | NativeErrorLine {
  const created_at = nowRfc3339();
  switch (ev.type) {
    case 'content':
      return { model, created_at, response: ev.text, done: false };
    case 'thinking':
      return { model, created_at, response: '', thinking: ev.text, done: false };
    case 'tool_calls':
      return { model, created_at, response: '', done: false, tool_calls: ev.calls };
    case 'error':
      return { error: ev.message };
    case 'done': {
      const chunk: NativeGenerateChunk = {
        model,
        created_at,
        response: '',
        done: true,
        done_reason: ev.doneReason,
      };
      // `context` holds prompt + output token ids; raw mode has none (§2.3).
      if (!context.raw)
        chunk.context = contextIds(context.promptTokens + ev.metrics.eval_count, context.seed);
      addMetrics(chunk, ev.metrics);
      if (ev.toolCalls) chunk.tool_calls = ev.toolCalls;
      return chunk;
    }
  }
}

export function isErrorLine(x: object): x is NativeErrorLine {
  return 'error' in x;
}

/** `stream:false` for chat: one object like the final chunk with the concatenated message (§2.2). */
export function aggregateChat(chunks: NativeChatChunk[]): NativeChatChunk | undefined {
  const last = chunks[chunks.length - 1];
  if (!last) return undefined;
  let content = '';
  let thinking = '';
  const toolCalls: NativeToolCall[] = [];
  for (const c of chunks) {
    content += c.message.content;
    if (c.message.thinking) thinking += c.message.thinking;
    if (c.message.tool_calls) toolCalls.push(...c.message.tool_calls);
  }
  const message: NativeChatChunk['message'] = { role: 'assistant', content };
  if (thinking) message.thinking = thinking;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return { ...last, message };
}

export function aggregateGenerate(chunks: NativeGenerateChunk[]): NativeGenerateChunk | undefined {
  const last = chunks[chunks.length - 1];
  if (!last) return undefined;
  let response = '';
  let thinking = '';
  for (const c of chunks) {
    response += c.response;
    if (c.thinking) thinking += c.thinking;
  }
  const { model, created_at, response: _r, thinking: _t, ...rest } = last;
  return { model, created_at, response, ...(thinking ? { thinking } : {}), ...rest };
}
