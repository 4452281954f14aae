/**
 * `POST /v1/messages` and `/v1/messages/count_tokens` bodies → canonical `ChatRequest`
 * (client-apis.md §A.2–§A.5, §A.9, §C.1–§C.7). Both SDK generations are accepted (§0): unknown
 * fields are ignored (never forwarded to Ollama, which would not know them), `metadata` and
 * `cache_control` are ignored, and every refusal is an `invalid_request` naming the field.
 */
import type { ChatMessage, ChatRequest, TextBlock } from '../../core/chat.js';
import { CorralError } from '../../core/errors.js';
import type { ToolNames } from './decode-content.js';
import { decodeContent } from './decode-content.js';
import {
  decodeFormat,
  decodeSampling,
  decodeThink,
  decodeToolChoice,
  decodeTools,
} from './decode-options.js';
import type { JsonRecord } from './wire-read.js';
import {
  at,
  invalid,
  isRecord,
  jsonKind,
  optArray,
  optBool,
  optInt,
  optString,
  reqObject,
  reqType,
} from './wire-read.js';

/**
 * Claude Code's first system block starts with this line and changes per conversation; kept, it
 * would defeat Ollama's prompt cache on a ~12k-token system prompt (real-clients.md).
 */
export const BILLING_HEADER_PREFIX = 'x-anthropic-billing-header:';

function readRoot(body: unknown): JsonRecord {
  if (isRecord(body)) return body;
  throw new CorralError('invalid_request', `request body must be a JSON object, got ${jsonKind(body)}`);
}

function readModel(body: JsonRecord): string {
  const model = optString(body, 'model', '');
  if (model === undefined || model.trim() === '') throw invalid('model', 'Field required');
  return model;
}

/**
 * `max_tokens` is required and must be ≥ 1. The 1.x docs allow 0 (cache pre-warm, §A.2), but
 * Ollama reads `num_predict: 0` as "no limit", so 0 is refused rather than run unbounded.
 */
function readMaxTokens(body: JsonRecord): number {
  const value = optInt(body, 'max_tokens', '');
  if (value === undefined) throw invalid('max_tokens', 'Field required');
  if (value < 1) throw invalid('max_tokens', `must be at least 1, got ${value}`);
  return value;
}

/** The request the messages endpoint runs. */
export function decodeMessagesRequest(body: unknown): ChatRequest {
  const root = readRoot(body);
  const model = readModel(root);
  const maxOutputTokens = readMaxTokens(root);
  const req = decodeConversation(root, model);
  if (req.messages.length === 0) throw invalid('messages', 'at least one message is required');
  req.sampling = { ...decodeSampling(root), maxOutputTokens };
  req.stream = optBool(root, 'stream', '') ?? false;
  const format = decodeFormat(root);
  if (format !== undefined) req.format = format;
  return req;
}

/**
 * `count_tokens` bodies (§A.9): a create body without `max_tokens`, `stream`, `stop_sequences`
 * or `metadata`; Claude Code sends just `{model, messages, tools}` (real-clients.md). Sampling
 * fields are ignored: they do not change the count.
 */
export function decodeCountTokensRequest(body: unknown): ChatRequest {
  const root = readRoot(body);
  return decodeConversation(root, readModel(root));
}

function decodeConversation(root: JsonRecord, model: string): ChatRequest {
  const system = decodeSystem(root['system'], 'system');
  const messages = decodeMessages(root, system);
  const req: ChatRequest = {
    kind: 'chat',
    model,
    system,
    messages,
    tools: decodeTools(root),
    sampling: {},
    think: decodeThink(root),
    stream: false,
  };
  const toolChoice = decodeToolChoice(root);
  if (toolChoice !== undefined) req.toolChoice = toolChoice;
  return req;
}

/** A string, or text blocks (their `cache_control` ignored, §C.5); the billing header is stripped. */
function decodeSystem(value: unknown, path: string): TextBlock[] {
  if (value === undefined || value === null) return [];
  const blocks: TextBlock[] = [];
  if (typeof value === 'string') blocks.push({ type: 'text', text: value });
  else if (Array.isArray(value)) {
    value.forEach((raw, index) => {
      const blockPath = at(path, index);
      const block = reqObject(raw, blockPath);
      const type = reqType(block, blockPath);
      if (type !== 'text')
        throw invalid(
          at(blockPath, 'type'),
          `only text blocks are allowed here, got ${JSON.stringify(type)}`,
        );
      const text = optString(block, 'text', blockPath);
      if (text === undefined) throw invalid(at(blockPath, 'text'), 'Field required');
      blocks.push({ type: 'text', text });
    });
  } else throw invalid(path, `expected a string or an array of text blocks, got ${jsonKind(value)}`);
  return blocks.flatMap(stripBillingHeader);
}

function stripBillingHeader(block: TextBlock): TextBlock[] {
  const text = block.text.trimStart();
  if (!text.toLowerCase().startsWith(BILLING_HEADER_PREFIX)) return block.text === '' ? [] : [block];
  const newline = text.indexOf('\n');
  const rest = newline === -1 ? '' : text.slice(newline + 1).replace(/^\s*\n/, '');
  return rest.trim() === '' ? [] : [{ type: 'text', text: rest }];
}

/**
 * `role:"system"` messages (SDK 1.x, Claude Code ≥ 2.1.154; ollama#16372, §D.6) are kept: the
 * ones before any user/assistant turn join the top-level system prompt, later ones stay system
 * messages in place (Claude Code puts its environment block after the user turn; §C.5).
 */
function decodeMessages(root: JsonRecord, system: TextBlock[]): ChatMessage[] {
  const raw = optArray(root, 'messages', '');
  if (raw === undefined) throw invalid('messages', 'Field required');
  const names: ToolNames = new Map();
  const out: ChatMessage[] = [];
  raw.forEach((value, index) => {
    const path = at('messages', index);
    const message = reqObject(value, path);
    const role = optString(message, 'role', path);
    if (role === 'system') {
      const blocks = decodeSystem(message['content'], at(path, 'content'));
      if (out.length === 0) system.push(...blocks);
      else if (blocks.length > 0) out.push({ role: 'system', content: blocks });
      return;
    }
    if (role !== 'user' && role !== 'assistant') {
      throw invalid(
        at(path, 'role'),
        `expected 'user', 'assistant' or 'system', got ${JSON.stringify(role ?? null)}`,
      );
    }
    if (message['content'] === undefined) throw invalid(at(path, 'content'), 'Field required');
    out.push({ role, content: decodeContent(message['content'], at(path, 'content'), names) });
  });
  return out;
}
