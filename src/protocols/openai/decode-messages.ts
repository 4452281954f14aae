/**
 * OpenAI `messages[]` → canonical system blocks and messages (client-apis.md B.2, C.4, C.5).
 *
 * - `system` and `developer` messages before the first other message become `ChatRequest.system`
 *   (all of them, in order: Portkey-AI/gateway#457 kept only the last); later ones stay in place
 *   as canonical `system` messages.
 * - An assistant message becomes blocks in the order thinking, text, tool_use. `content: null`
 *   beside `tool_calls` is normal (Vercel AI SDK, real-clients.md) and yields no text block;
 *   the Ollama encoder then sends `""` (pydantic/pydantic-ai#5206).
 * - Each `tool` message becomes one canonical `tool` message holding one `tool_result`, named
 *   after the earlier assistant call with the same id (Ollama needs `tool_name`).
 */
import type { ChatMessage, ContentBlock, TextBlock, ToolUseBlock } from '../../core/chat.js';
import { decodeContent, decodeTextOnly } from './decode-content.js';
import type { JsonRecord } from './wire-read.js';
import { at, invalid, isRecord, jsonType, optArray, optString, requireRecord } from './wire-read.js';

export interface DecodedMessages {
  system: TextBlock[];
  messages: ChatMessage[];
}

export function decodeMessages(value: unknown): DecodedMessages {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalid('messages must be a non-empty array', 'messages');
  }
  const out: DecodedMessages = { system: [], messages: [] };
  const toolNames = new Map<string, string>();
  value.forEach((raw, index) => {
    const param = `messages[${index}]`;
    const message = requireRecord(raw, param);
    const role = optString(message, 'role', at(param, 'role'));
    if (role === 'system' || role === 'developer') {
      const blocks = decodeTextOnly(message['content'], at(param, 'content'));
      if (out.messages.length === 0) out.system.push(...blocks);
      else out.messages.push({ role: 'system', content: blocks });
    } else if (role === 'user') {
      const content = decodeContent(message['content'], at(param, 'content'), {
        images: true,
        refusals: false,
      });
      out.messages.push({ role: 'user', content });
    } else if (role === 'assistant') {
      out.messages.push(decodeAssistant(message, param, toolNames));
    } else if (role === 'tool') {
      out.messages.push(decodeToolResult(message, param, toolNames));
    } else {
      const hint = role === 'function' ? '; legacy function messages are not supported, use tools' : '';
      throw invalid(`invalid role ${JSON.stringify(role ?? null)} in ${param}${hint}`, at(param, 'role'));
    }
  });
  return out;
}

function decodeAssistant(message: JsonRecord, param: string, toolNames: Map<string, string>): ChatMessage {
  const blocks: ContentBlock[] = [];
  // Non-standard history fields: Ollama's `reasoning`, vLLM/DeepSeek's `reasoning_content` (C.7).
  const thinking =
    optString(message, 'reasoning_content', at(param, 'reasoning_content')) ??
    optString(message, 'reasoning', at(param, 'reasoning'));
  if (thinking !== undefined && thinking !== '') blocks.push({ type: 'thinking', thinking });
  blocks.push(...decodeContent(message['content'], at(param, 'content'), { images: false, refusals: true }));
  const calls = optArray(message, 'tool_calls', at(param, 'tool_calls')) ?? [];
  calls.forEach((call, index) => {
    const block = decodeToolCall(call, `${param}.tool_calls[${index}]`, param);
    if (block.id !== '') toolNames.set(block.id, block.name);
    blocks.push(block);
  });
  return { role: 'assistant', content: blocks };
}

function decodeToolCall(raw: unknown, param: string, messageParam: string): ToolUseBlock {
  const call = requireRecord(raw, param);
  const fn = requireRecord(call['function'], at(param, 'function'));
  const name = optString(fn, 'name', at(param, 'function.name')) ?? '';
  if (name === '') throw invalid(`${param}.function.name is required`, at(param, 'function.name'));
  const input = parseArguments(fn['arguments'], at(param, 'function.arguments'), messageParam);
  return { type: 'tool_use', id: optString(call, 'id', at(param, 'id')) ?? '', name, input };
}

/**
 * `arguments` is a JSON string on the wire. Unparseable text is the client's history being
 * broken, so it is a 400 naming the message (BerriAI/litellm#33678 let it become a 500 a turn
 * later). `""` means no arguments; an object is accepted from lenient clients.
 */
export function parseArguments(value: unknown, param: string, messageParam: string): Record<string, unknown> {
  if (value === undefined || value === null || value === '') return {};
  if (isRecord(value)) return value;
  if (typeof value !== 'string')
    throw invalid(`${param} must be a JSON string, got ${jsonType(value)}`, param);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'parse error';
    throw invalid(`tool call arguments in ${messageParam} are not valid JSON (${reason})`, param);
  }
  if (!isRecord(parsed)) {
    throw invalid(
      `tool call arguments in ${messageParam} must be a JSON object, got ${jsonType(parsed)}`,
      param,
    );
  }
  return parsed;
}

function decodeToolResult(message: JsonRecord, param: string, toolNames: Map<string, string>): ChatMessage {
  const toolUseId = optString(message, 'tool_call_id', at(param, 'tool_call_id')) ?? '';
  // `name` is not in the current types but some clients add it; otherwise look the call up.
  const name =
    optString(message, 'name', at(param, 'name')) ??
    (toolUseId === '' ? undefined : toolNames.get(toolUseId));
  const content = decodeTextOnly(message['content'], at(param, 'content'));
  const block: ContentBlock =
    name === undefined
      ? { type: 'tool_result', toolUseId, content }
      : { type: 'tool_result', toolUseId, name, content };
  return { role: 'tool', content: [block] };
}
