import type { NativeChatChunk, NativeErrorLine, NativeToolCall } from '../contract.js';

/** One item of a native run's iterable: a chunk, or the trailing error line of §3.3. */
export type NativeItem = NativeChatChunk | NativeErrorLine;

export function isErrorLine(item: NativeItem): item is NativeErrorLine {
  return 'error' in item && typeof item.error === 'string';
}

/**
 * What a compat writer sees when it decodes the native error line as if it were a chat chunk
 * (Ollama's writers unmarshal every 200-status write into a ChatResponse): everything empty.
 * §5.4 and §6.5 both follow from this.
 */
export function errorLineAsChunk(): NativeChatChunk {
  return { model: '', created_at: '', message: { role: 'assistant', content: '' }, done: false };
}

/** Unix seconds of an RFC 3339 timestamp with up to nanosecond precision, or undefined. */
export function unixSeconds(rfc3339: string): number | undefined {
  // Date.parse is only specified for millisecond precision; cut the fraction to 3 digits.
  const trimmed = rfc3339.replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

export type CollectedRun =
  { ok: true; response: NativeChatChunk } | { ok: false; status: number; error: string };

/**
 * The non-streaming native reply (§2.2): the last chunk's fields with `content` and `thinking`
 * concatenated and all tool calls gathered. A mid-run error discards the partial output.
 */
export async function collectNativeRun(
  chunks: AsyncIterable<NativeItem>,
  signal?: AbortSignal,
): Promise<CollectedRun> {
  let content = '';
  let thinking = '';
  const toolCalls: NativeToolCall[] = [];
  let last: NativeChatChunk | undefined;
  for await (const item of chunks) {
    // Leaving the loop calls the iterator's return(): the engine stops once the client is gone.
    if (signal?.aborted) return { ok: false, status: 499, error: 'request canceled' };
    if (isErrorLine(item)) return { ok: false, status: 500, error: item.error };
    content += item.message.content;
    thinking += item.message.thinking ?? '';
    toolCalls.push(...(item.message.tool_calls ?? []));
    last = item;
  }
  const base = last ?? errorLineAsChunk();
  const message: NativeChatChunk['message'] = { role: 'assistant', content };
  if (thinking !== '') message.thinking = thinking;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return { ok: true, response: { ...base, message } };
}
