/**
 * Anthropic content blocks → canonical blocks (client-apis.md §A.3, §C.4, §C.6, §C.7).
 * `cache_control` and `citations` are never read, so they are accepted and dropped everywhere
 * (litellm PR#38790, §D.19).
 */
import type { ContentBlock, ImageBlock, TextBlock, ToolResultBlock } from '../../core/chat.js';
import { UNSIGNED_THINKING_SIGNATURE } from './identifiers.js';
import type { JsonRecord } from './wire-read.js';
import { at, invalid, optBool, optObject, optString, reqObject, reqType, wrongType } from './wire-read.js';

/** Names of earlier `tool_use` blocks by id, so results can carry `name` (Ollama's `tool_name`, §C.4). */
export type ToolNames = Map<string, string>;

const IMAGE_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const BASE64 = /^[A-Za-z0-9+/\r\n]*={0,2}[\r\n]*$/;

export function decodeContent(value: unknown, path: string, names: ToolNames): ContentBlock[] {
  if (typeof value === 'string') return value === '' ? [] : [{ type: 'text', text: value }];
  if (!Array.isArray(value)) throw wrongType(path, 'a string or an array of content blocks', value);
  return value.flatMap((raw, index) => decodeBlock(raw, at(path, index), names));
}

function decodeBlock(raw: unknown, path: string, names: ToolNames): ContentBlock[] {
  const block = reqObject(raw, path);
  const type = reqType(block, path);
  switch (type) {
    case 'text':
      return textBlocks(readText(block, 'text', path));
    case 'image':
      return [decodeImage(block, path)];
    case 'document':
      return decodeDocument(block, path);
    case 'tool_use':
      return [decodeToolUse(block, path, names)];
    case 'tool_result':
      return [decodeToolResult(block, path, names)];
    case 'thinking':
      return decodeThinking(block, path);
    case 'tool_reference':
    case 'search_result':
      return textBlocks(renderReference(block, path));
    default:
      // Dropped: server-side tool blocks (§A.3), `redacted_thinking` (encrypted, meaningless to a
      // local model, §C.7), and unknown types. Claude Code adds block types often; one unknown
      // block failing every request would break it outright, where dropping it degrades one turn.
      return [];
  }
}

function textBlocks(text: string): TextBlock[] {
  return text === '' ? [] : [{ type: 'text', text }];
}

function readText(block: JsonRecord, key: string, path: string): string {
  const text = optString(block, key, path);
  if (text === undefined) throw invalid(at(path, key), 'Field required');
  return text;
}

/** Only base64 sources exist canonically: Ollama cannot fetch URLs, and we do no I/O here (§C.6). */
function decodeImage(block: JsonRecord, path: string): ImageBlock {
  const sourcePath = at(path, 'source');
  const source = reqObject(block['source'], sourcePath);
  const kind = reqType(source, sourcePath);
  if (kind === 'url') {
    throw invalid(
      sourcePath,
      'image URLs are not supported by this gateway (the model server cannot fetch them); ' +
        'send the image inline as {"type":"base64","media_type":"image/png","data":"…"}',
    );
  }
  if (kind !== 'base64') {
    throw invalid(sourcePath, `image source type ${JSON.stringify(kind)} is not supported; send base64`);
  }
  const mediaType = readText(source, 'media_type', sourcePath);
  if (!IMAGE_TYPES.has(mediaType)) {
    throw invalid(
      at(sourcePath, 'media_type'),
      `expected 'image/jpeg', 'image/png', 'image/gif' or 'image/webp', got ${JSON.stringify(mediaType)}`,
    );
  }
  return { type: 'image', mediaType, data: plainBase64(readText(source, 'data', sourcePath), sourcePath) };
}

/** A `data:` URI prefix makes Ollama fail ("illegal base64 data at input byte 4", litellm#18338). */
function plainBase64(data: string, path: string): string {
  const plain = data.startsWith('data:') ? data.slice(data.indexOf(',') + 1) : data;
  if (plain === '' || !BASE64.test(plain)) throw invalid(at(path, 'data'), 'image data is not valid base64');
  return plain;
}

function decodeToolUse(block: JsonRecord, path: string, names: ToolNames): ContentBlock {
  const id = optString(block, 'id', path) ?? '';
  const name = readText(block, 'name', path);
  const input = optObject(block, 'input', path) ?? {};
  if (id !== '') names.set(id, name);
  return { type: 'tool_use', id, name, input };
}

/** Results carry the name of the call they answer, looked up by id in the history (§C.4, 9router#3362). */
function decodeToolResult(block: JsonRecord, path: string, names: ToolNames): ToolResultBlock {
  const toolUseId = optString(block, 'tool_use_id', path) ?? '';
  const content = decodeResultContent(block['content'], at(path, 'content'));
  const result: ToolResultBlock = { type: 'tool_result', toolUseId, content };
  const name = toolUseId === '' ? undefined : names.get(toolUseId);
  if (name !== undefined) result.name = name;
  if (optBool(block, 'is_error', path) === true) result.isError = true;
  return result;
}

/**
 * A result's text parts are joined with newlines into one text block (images kept after it), so
 * rendered parts such as `tool_reference` lines never run together when flattened for Ollama.
 */
function decodeResultContent(value: unknown, path: string): Array<TextBlock | ImageBlock> {
  if (value === undefined || value === null) return [];
  const blocks = decodeContent(value, path, new Map());
  const texts: string[] = [];
  const images: ImageBlock[] = [];
  for (const block of blocks) {
    if (block.type === 'text') texts.push(block.text);
    else if (block.type === 'image') images.push(block);
  }
  const text = texts.join('\n');
  return text === '' ? images : [{ type: 'text', text }, ...images];
}

/** Our own placeholder signature is no signature: the block is unsigned (identifiers.ts). */
function decodeThinking(block: JsonRecord, path: string): ContentBlock[] {
  const thinking = optString(block, 'thinking', path) ?? '';
  if (thinking === '') return [];
  const signature = optString(block, 'signature', path);
  return signature === undefined || signature === '' || signature === UNSIGNED_THINKING_SIGNATURE
    ? [{ type: 'thinking', thinking }]
    : [{ type: 'thinking', thinking, signature }];
}

/**
 * `tool_reference` (Claude Code's tool search, real-clients.md) names a tool the real API would
 * expand; our model already has every tool, so it becomes a line of text instead of an empty
 * result. `search_result` becomes its title, source and text.
 */
function renderReference(block: JsonRecord, path: string): string {
  if (block['type'] === 'tool_reference') return `Tool loaded: ${readText(block, 'tool_name', path)}`;
  const title = optString(block, 'title', path);
  const source = optString(block, 'source', path);
  const body = decodeContent(block['content'] ?? [], at(path, 'content'), new Map())
    .flatMap((part) => (part.type === 'text' ? [part.text] : []))
    .join('\n');
  const head = [title, source].filter((part) => part !== undefined && part !== '').join(' — ');
  return head === '' ? body : `${head}\n${body}`;
}

/** Text documents are inlined as text (titled); PDFs and files are refused (§C.6). */
function decodeDocument(block: JsonRecord, path: string): ContentBlock[] {
  const sourcePath = at(path, 'source');
  const source = reqObject(block['source'], sourcePath);
  const kind = reqType(source, sourcePath);
  const title = optString(block, 'title', path);
  const context = optString(block, 'context', path);
  const head = [title, context].filter((part) => part !== undefined && part !== '').join('\n');
  if (kind === 'text') {
    const data = readText(source, 'data', sourcePath);
    return textBlocks(head === '' ? data : `${head}\n\n${data}`);
  }
  if (kind === 'content') {
    const inner = decodeContent(source['content'] ?? [], at(sourcePath, 'content'), new Map());
    return head === '' ? inner : [{ type: 'text', text: `${head}\n\n` }, ...inner];
  }
  throw invalid(
    sourcePath,
    `${kind === 'base64' || kind === 'url' ? 'PDF' : JSON.stringify(kind)} documents are not supported ` +
      'by this gateway; extract the text and send {"type":"text","media_type":"text/plain","data":"…"}',
  );
}
