/**
 * Native `messages[]` and `tools[]` → canonical (ollama-api.md §2.2). A native message becomes
 * one canonical message whose blocks are, in order: thinking, text, images, tool_use. A `tool`
 * message becomes one `tool_result` block; ids and names are passed through and may be absent
 * (LangChain's ChatOllama sends neither, real-clients.md), so nothing here requires them.
 */
import type {
  ChatMessage,
  ContentBlock,
  ImageBlock,
  Role,
  TextBlock,
  ToolDefinition,
  ToolUseBlock,
} from '../../core/chat.js';
import { decodeImages, imageBlock } from './decode-fields.js';
import type { FieldPath, JsonRecord } from './wire-read.js';
import {
  field,
  invalid,
  isRecord,
  item,
  optArray,
  optInt,
  optObject,
  optString,
  typeError,
} from './wire-read.js';

const ROLES: ReadonlySet<string> = new Set(['system', 'user', 'assistant', 'tool']);

export function decodeMessages(value: unknown, root: FieldPath): ChatMessage[] {
  const path = field(root, 'messages');
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw typeError(path, value, '[]api.Message');
  return value.map((raw, index) => decodeMessage(raw, item(path, index)));
}

function decodeMessage(raw: unknown, path: FieldPath): ChatMessage {
  if (!isRecord(raw)) throw typeError(path, raw, 'api.Message');
  const role = decodeRole(raw, path);
  const content = optString(raw, path, 'content') ?? '';
  const images = decodeImages(raw['images'], field(path, 'images')).map(imageBlock);
  if (role === 'tool') return { role, content: [toolResult(raw, path, content, images)] };
  const blocks: ContentBlock[] = [];
  const thinking = optString(raw, path, 'thinking');
  if (thinking !== undefined && thinking !== '') blocks.push({ type: 'thinking', thinking });
  if (content !== '') blocks.push({ type: 'text', text: content });
  blocks.push(...images, ...decodeToolCalls(raw, path));
  return { role, content: blocks };
}

/** Roles are lower-cased as Ollama does; unlike Ollama we refuse roles canonical can't carry. */
function decodeRole(raw: JsonRecord, path: FieldPath): Role {
  const role = (optString(raw, path, 'role') ?? '').toLowerCase();
  if (ROLES.has(role)) return role as Role;
  const where = path.param;
  throw invalid(
    `invalid role ${JSON.stringify(role)} in ${where}: expected "system", "user", "assistant" or "tool"`,
    `${where}.role`,
  );
}

function toolResult(raw: JsonRecord, path: FieldPath, text: string, images: ImageBlock[]): ContentBlock {
  const content: Array<TextBlock | ImageBlock> =
    text === '' ? [...images] : [{ type: 'text', text }, ...images];
  const name = optString(raw, path, 'tool_name');
  const toolUseId = optString(raw, path, 'tool_call_id') ?? '';
  return name === undefined
    ? { type: 'tool_result', toolUseId, content }
    : { type: 'tool_result', toolUseId, name, content };
}

/**
 * `tool_calls` → `tool_use` blocks ordered by `function.index` (position when absent), so the
 * encoder's "index = position" reproduces the client's indexes.
 */
function decodeToolCalls(raw: JsonRecord, path: FieldPath): ToolUseBlock[] {
  const callsPath = field(path, 'tool_calls');
  const calls = optArray(raw, path, 'tool_calls', '[]api.ToolCall') ?? [];
  const decoded = calls.map((call, position) => decodeToolCall(call, item(callsPath, position), position));
  decoded.sort((a, b) => a.index - b.index);
  return decoded.map((entry) => entry.block);
}

function decodeToolCall(
  raw: unknown,
  path: FieldPath,
  position: number,
): { index: number; block: ToolUseBlock } {
  if (!isRecord(raw)) throw typeError(path, raw, 'api.ToolCall');
  const fnPath = field(path, 'function');
  const fn = optObject(raw, path, 'function', 'api.ToolCallFunction') ?? {};
  const input = optObject(fn, fnPath, 'arguments', 'api.ToolCallFunctionArguments') ?? {};
  const block: ToolUseBlock = {
    type: 'tool_use',
    id: optString(raw, path, 'id') ?? '',
    name: optString(fn, fnPath, 'name') ?? '',
    input,
  };
  return { index: optInt(fn, fnPath, 'index') ?? position, block };
}

export function decodeTools(value: unknown, root: FieldPath): ToolDefinition[] {
  const path = field(root, 'tools');
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw typeError(path, value, 'api.Tools');
  return value.map((raw, index) => decodeTool(raw, item(path, index)));
}

function decodeTool(raw: unknown, path: FieldPath): ToolDefinition {
  if (!isRecord(raw)) throw typeError(path, raw, 'api.Tool');
  const fnPath = field(path, 'function');
  const fn = optObject(raw, path, 'function', 'api.ToolFunction') ?? {};
  const name = optString(fn, fnPath, 'name') ?? '';
  const description = optString(fn, fnPath, 'description');
  const inputSchema = optObject(fn, fnPath, 'parameters', 'api.ToolFunctionParameters') ?? {};
  return description === undefined ? { name, inputSchema } : { name, description, inputSchema };
}
