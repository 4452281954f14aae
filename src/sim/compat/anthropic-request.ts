import type { NativeChatRequest, NativeMessage, NativeTool, NativeToolCall } from '../contract.js';
import { decodeStdBase64 } from './base64.js';
import { goMarshal } from './go-json.js';
import { CONTENT_BLOCKS, MESSAGES_REQUEST } from './go-specs.js';
import { checkGoTypes, isRecord } from './go-types.js';
import { estimateInputTokens } from './anthropic-tokens.js';

/**
 * `/v1/messages` request → native `/api/chat` request (§6.1 validation, §6.2 mapping). Pure.
 * Every error is a 400 `invalid_request_error` with Ollama's exact text.
 */

export type AnthropicDecode =
  | { ok: true; native: NativeChatRequest; stream: boolean; model: string; estimatedInputTokens: number }
  | { ok: false; status: 400; message: string };

class BadRequest extends Error {}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

type Block = Record<string, unknown>;

/** A message's content the way Ollama's custom unmarshaller normalises it: always blocks. */
function contentBlocks(content: unknown): Block[] {
  // Absent content reaches Go's unmarshaller as an empty input.
  if (content === undefined) throw new BadRequest('unexpected end of JSON input');
  if (typeof content === 'string' || content === null) return [{ type: 'text', text: content ?? '' }];
  const err = checkGoTypes(content, CONTENT_BLOCKS);
  if (err !== undefined) throw new BadRequest(err);
  return (content as unknown[]).map((b) => (isRecord(b) ? b : {}));
}

export function decodeMessagesRequest(body: unknown): AnthropicDecode {
  const typeError = checkGoTypes(body, MESSAGES_REQUEST);
  if (typeError !== undefined) return { ok: false, status: 400, message: typeError };
  const r = isRecord(body) ? body : {};
  try {
    const rawMessages = Array.isArray(r.messages)
      ? (r.messages as unknown[]).map((m) => (isRecord(m) ? m : {}))
      : [];
    const messages = rawMessages.map((m) => ({ role: str(m.role), content: contentBlocks(m.content) }));
    const model = str(r.model);
    if (model === '') throw new BadRequest('model is required');
    const maxTokens = typeof r.max_tokens === 'number' ? r.max_tokens : 0;
    if (maxTokens <= 0) throw new BadRequest('max_tokens is required and must be positive');
    if (messages.length === 0) throw new BadRequest('messages is required');

    const native: NativeChatRequest = {
      model,
      messages: [...systemMessages(r.system), ...messages.flatMap((m) => convertMessage(m.role, m.content))],
      stream: r.stream === true,
      options: convertOptions(r, maxTokens),
    };
    const tools = convertTools(
      Array.isArray(r.tools) ? (r.tools as unknown[]).map((t) => (isRecord(t) ? t : {})) : [],
    );
    if (tools.length > 0) native.tools = tools;
    const think = convertThinking(r.thinking, r.output_config);
    if (think !== undefined) native.think = think;
    const estimatedInputTokens = estimateInputTokens(
      r.system,
      messages,
      Array.isArray(r.tools) ? r.tools : [],
    );
    return { ok: true, native, stream: r.stream === true, model, estimatedInputTokens };
  } catch (err) {
    if (err instanceof BadRequest) return { ok: false, status: 400, message: err.message };
    throw err;
  }
}

/** §6.2: a string system prompt, or the `text` of all text blocks joined with no separator. */
function systemMessages(system: unknown): NativeMessage[] {
  let text = '';
  if (typeof system === 'string') text = system;
  else if (Array.isArray(system)) {
    for (const b of system as unknown[])
      if (isRecord(b) && b.type === 'text' && typeof b.text === 'string') text += b.text;
  }
  return text === '' ? [] : [{ role: 'system', content: text }];
}

function convertMessage(rawRole: string, blocks: Block[]): NativeMessage[] {
  const role = rawRole.toLowerCase();
  let text = '';
  let thinking = '';
  const images: string[] = [];
  const toolCalls: NativeToolCall[] = [];
  const toolResults: NativeMessage[] = [];
  for (const b of blocks) {
    switch (b.type) {
      case 'text':
        text += str(b.text);
        break;
      case 'image':
        if (!isRecord(b.source)) throw new BadRequest('invalid image source');
        images.push(resolveImage(str(b.source.type), str(b.source.data)));
        break;
      case 'tool_use':
        if (str(b.id) === '') throw new BadRequest("tool_use block missing required 'id' field");
        if (str(b.name) === '') throw new BadRequest("tool_use block missing required 'name' field");
        toolCalls.push(toolCall(b));
        break;
      case 'server_tool_use':
        toolCalls.push(toolCall(b));
        break;
      case 'tool_result': {
        const result = toolResultContent(b.content);
        const msg: NativeMessage = { role: 'tool', content: result.text, tool_call_id: str(b.tool_use_id) };
        if (result.images.length > 0) msg.images = result.images;
        toolResults.push(msg);
        break;
      }
      case 'web_search_tool_result':
        toolResults.push({
          role: 'tool',
          content: webSearchResultText(b.content),
          tool_call_id: str(b.tool_use_id),
        });
        break;
      case 'thinking':
        // Several thinking blocks: the last wins; signatures are dropped (§6.2).
        if (typeof b.thinking === 'string') thinking = b.thinking;
        break;
      default:
        break; // unknown blocks (e.g. `document`, `redacted_thinking`) are silently dropped
    }
  }
  const out: NativeMessage[] = [];
  // In a user message the tool results come first, then the text (§6.2, scenario 9).
  if (role === 'user') out.push(...toolResults);
  if (text !== '' || images.length > 0 || toolCalls.length > 0 || thinking !== '') {
    const main: NativeMessage = { role, content: text };
    if (images.length > 0) main.images = images;
    if (toolCalls.length > 0) main.tool_calls = toolCalls;
    if (thinking !== '') main.thinking = thinking;
    out.push(main);
  }
  if (role !== 'user') out.push(...toolResults);
  return out;
}

function toolCall(b: Block): NativeToolCall {
  const call: NativeToolCall = {
    function: { name: str(b.name), arguments: isRecord(b.input) ? b.input : {} },
  };
  if (str(b.id) !== '') call.id = str(b.id);
  return call;
}

function resolveImage(type: string, data: string): string {
  if (type !== 'base64')
    throw new BadRequest(`invalid image source type: ${type}. Only base64 images are supported.`);
  const decoded = decodeStdBase64(data);
  if (!decoded.ok) throw new BadRequest(`invalid base64 image data: ${decoded.message}`);
  return decoded.bytes.toString('base64');
}

function toolResultContent(content: unknown): { text: string; images: string[] } {
  if (typeof content === 'string') return { text: content, images: [] };
  if (!Array.isArray(content)) return { text: '', images: [] };
  let text = '';
  const images: string[] = [];
  for (const cb of content as unknown[]) {
    if (!isRecord(cb)) continue;
    if (cb.type === 'text' && typeof cb.text === 'string') text += cb.text;
    if (cb.type === 'image') {
      if (!isRecord(cb.source)) throw new BadRequest('invalid tool_result image source');
      images.push(resolveImage(str(cb.source.type), str(cb.source.data)));
    }
  }
  return { text, images };
}

function searchErrorText(item: Block): string {
  const code = str(item.error_code);
  return code === '' ? 'web_search_tool_result_error' : `web_search_tool_result_error: ${code}`;
}

/** A `web_search_tool_result` becomes a plain-text tool message: one `- title: url` line per hit. */
function webSearchResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    let text = '';
    for (const item of content as unknown[]) {
      if (!isRecord(item)) continue;
      if (item.type === 'web_search_result') text += `- ${str(item.title)}: ${str(item.url)}\n`;
      if (item.type === 'web_search_tool_result_error') return searchErrorText(item);
    }
    return text;
  }
  if (isRecord(content) && content.type === 'web_search_tool_result_error') return searchErrorText(content);
  return goMarshal(content ?? null);
}

function convertOptions(r: Record<string, unknown>, maxTokens: number): Record<string, unknown> {
  // No OpenAI-style 1.0 defaults here: only what the request sets (§6.2).
  const options: Record<string, unknown> = { num_predict: maxTokens };
  if (typeof r.temperature === 'number') options.temperature = r.temperature;
  if (typeof r.top_p === 'number') options.top_p = r.top_p;
  if (typeof r.top_k === 'number') options.top_k = r.top_k;
  if (Array.isArray(r.stop_sequences) && r.stop_sequences.length > 0) options.stop = r.stop_sequences;
  return options;
}

const WEB_SEARCH_TOOL: NativeTool = {
  type: 'function',
  function: {
    name: 'web_search',
    description:
      'Search the web for current information. Use this to find up-to-date information about any topic.',
    parameters: {
      type: 'object',
      required: ['query'],
      properties: { query: { type: 'string', description: 'The search query to look up on the web' } },
    },
  },
};

function convertTools(tools: Block[]): NativeTool[] {
  const isBuiltinSearch = (t: Block): boolean => str(t.type).startsWith('web_search');
  const hasBuiltin = tools.some(isBuiltinSearch);
  const out: NativeTool[] = [];
  for (const t of tools) {
    if (isBuiltinSearch(t)) {
      out.push(WEB_SEARCH_TOOL);
      continue;
    }
    // A custom tool named like the built-in is dropped when the built-in is present (§6.2).
    if (hasBuiltin && t.name === 'web_search') continue;
    const tool: NativeTool = { type: 'function', function: { name: str(t.name) } };
    if (str(t.description) !== '') tool.function.description = str(t.description);
    const schema = t.input_schema;
    if (schema !== undefined && schema !== null) {
      const err = checkGoTypes(schema, {
        struct: 'api.ToolFunctionParameters',
        fields: { type: 'string', required: { slice: 'string', goType: '[]string' } },
      });
      if (err !== undefined)
        throw new BadRequest(`invalid input_schema for tool ${JSON.stringify(str(t.name))}: ${err}`);
      tool.function.parameters = schema;
    }
    out.push(tool);
  }
  return out;
}

/** §6.2 thinking: `thinking.type` decides; otherwise `output_config.effort` (xhigh → high). */
function convertThinking(thinking: unknown, outputConfig: unknown): boolean | string | undefined {
  const type = isRecord(thinking) ? str(thinking.type) : '';
  if (type === 'enabled') return true;
  if (type === 'disabled') return false;
  if (!isRecord(outputConfig)) return undefined;
  let effort = str(outputConfig.effort).trim().toLowerCase();
  if (effort === 'xhigh') effort = 'high';
  return ['high', 'medium', 'low', 'max'].includes(effort) ? effort : undefined;
}

/**
 * On this endpoint a thinking request to a model that cannot think is dropped, not refused
 * (§6.2: Ollama relaxes it for Claude Code). `think:false` is left alone; an unknown model keeps
 * it so the engine can answer 404.
 */
export function relaxThinking(
  native: NativeChatRequest,
  capabilities: string[] | undefined,
): NativeChatRequest {
  if (native.think === undefined || native.think === false || capabilities === undefined) return native;
  if (capabilities.includes('thinking')) return native;
  const { think: _dropped, ...rest } = native;
  return rest;
}
