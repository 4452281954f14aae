/**
 * A prompt-size estimate for `count_tokens` and `message_start.usage.input_tokens`
 * (client-apis.md §A.9, §C.8). Ollama has no count endpoint, so this is a heuristic, biased
 * **upward** on purpose: an under-count lets Claude Code grow the context until the model refuses
 * it (litellm#37102), an over-count only compacts a little early.
 *
 * - ASCII text: 1 token per 3 characters, rounded up. Tokenisers of local models average about
 *   4 characters per token on English prose and about 3 on code and JSON (tool schemas are most
 *   of Claude Code's prompt), so 3 errs high.
 * - Every other UTF-16 unit: 1 token (CJK and emoji are often 1–2 tokens per character; a
 *   surrogate pair counts twice).
 * - Structure: 4 tokens per message (role and template markers), 8 per tool definition, 3 per
 *   request.
 * - Images: 1,600 each, the top of Anthropic's own range; vision models vary from ~256 up.
 */
import type { ChatRequest, ContentBlock } from '../../core/chat.js';

export const IMAGE_TOKEN_ESTIMATE = 1600;
const PER_MESSAGE = 4;
const PER_TOOL = 8;
const PER_REQUEST = 3;

/** Estimated tokens of a text (see the module comment). */
export function estimateTextTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) < 0x80) ascii++;
    else other++;
  }
  return Math.ceil(ascii / 3) + other;
}

function blockTokens(block: ContentBlock): number {
  switch (block.type) {
    case 'text':
      return estimateTextTokens(block.text);
    case 'thinking':
      return estimateTextTokens(block.thinking);
    case 'image':
      return IMAGE_TOKEN_ESTIMATE;
    case 'tool_use':
      return estimateTextTokens(block.name) + estimateTextTokens(JSON.stringify(block.input));
    case 'tool_result':
      return PER_MESSAGE + block.content.reduce((sum, part) => sum + blockTokens(part), 0);
  }
}

/** Estimated prompt tokens of a request: system, messages, and tool definitions. */
export function estimateInputTokens(req: ChatRequest): number {
  let total = PER_REQUEST;
  for (const block of req.system) total += estimateTextTokens(block.text);
  if (req.system.length > 0) total += PER_MESSAGE;
  for (const message of req.messages) {
    total += PER_MESSAGE;
    for (const block of message.content) total += blockTokens(block);
  }
  for (const tool of req.tools) {
    total += PER_TOOL + estimateTextTokens(tool.name) + estimateTextTokens(tool.description ?? '');
    total += estimateTextTokens(JSON.stringify(tool.inputSchema));
  }
  return total;
}
