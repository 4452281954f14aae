import type { NativeChatRequest, NativeMessage, NativeTool, NativeToolCall } from '../contract.js';
import { normaliseBase64 } from './base64.js';
import { CHAT_REQUEST } from './go-specs.js';
import { checkGoTypes, isRecord } from './go-types.js';

/**
 * `/v1/chat/completions` request → native `/api/chat` request (§5.2). Pure. Every error here is a
 * 400 with Ollama's exact text (§5.1); model problems (unknown, no tools, no thinking) are left to
 * the native engine, which answers them as it would on `/api/chat`.
 */

export type OpenAiChatDecode =
  | { ok: true; native: NativeChatRequest; stream: boolean; includeUsage: boolean }
  | { ok: false; status: 400; message: string };

class BadRequest extends Error {}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Go's `%T` for a decoded JSON value, as in `invalid message content type: %T`. */
function goTypeOf(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'boolean') return 'bool';
  return 'map[string]interface {}';
}

export function decodeChatCompletionRequest(body: unknown): OpenAiChatDecode {
  const typeError = checkGoTypes(body, CHAT_REQUEST);
  if (typeError !== undefined) return { ok: false, status: 400, message: typeError };
  const r = isRecord(body) ? body : {};
  const messages = Array.isArray(r.messages)
    ? (r.messages as unknown[]).map((m) => (isRecord(m) ? m : {}))
    : [];
  if (messages.length === 0) return { ok: false, status: 400, message: "[] is too short - 'messages'" };
  try {
    const native: NativeChatRequest = {
      model: str(r.model),
      messages: convertMessages(messages),
      stream: r.stream === true,
      options: convertOptions(r),
    };
    const format = convertFormat(r.response_format);
    if (format !== undefined) native.format = format;
    const think = thinkFromEffort(isRecord(r.reasoning) ? str(r.reasoning.effort) : str(r.reasoning_effort));
    if (think !== undefined) native.think = think;
    if (Array.isArray(r.tools) && r.tools.length > 0) native.tools = (r.tools as unknown[]).map(convertTool);
    const includeUsage = isRecord(r.stream_options) && r.stream_options.include_usage === true;
    return { ok: true, native, stream: r.stream === true, includeUsage };
  } catch (err) {
    if (err instanceof BadRequest) return { ok: false, status: 400, message: err.message };
    throw err;
  }
}

function convertMessages(messages: Record<string, unknown>[]): NativeMessage[] {
  const out: NativeMessage[] = [];
  for (const msg of messages) {
    const role = str(msg.role);
    let toolName = '';
    if (role.toLowerCase() === 'tool') {
      toolName = str(msg.name);
      if (toolName === '' && str(msg.tool_call_id) !== '')
        toolName = nameFromToolCallId(messages, str(msg.tool_call_id));
    }
    const content = msg.content;
    const toolCalls = Array.isArray(msg.tool_calls)
      ? (msg.tool_calls as unknown[]).filter(isRecord)
      : undefined;
    if (typeof content === 'string') {
      out.push(
        withOptional(
          { role, content },
          {
            thinking: str(msg.reasoning),
            tool_calls: convertToolCalls(toolCalls ?? []),
            tool_name: toolName,
            tool_call_id: str(msg.tool_call_id),
          },
        ),
      );
    } else if (Array.isArray(content)) {
      for (const part of content as unknown[]) out.push(convertPart(role, part));
      // Quirk kept from Ollama: the calls go on the last message produced so far, which is an
      // earlier message when this one's content array was empty.
      const last = out[out.length - 1];
      if (last !== undefined && toolCalls !== undefined && toolCalls.length > 0) {
        Object.assign(
          last,
          withOptional(
            { role: last.role, content: last.content },
            {
              tool_calls: convertToolCalls(toolCalls),
              tool_name: toolName,
              tool_call_id: str(msg.tool_call_id),
              thinking: str(msg.reasoning),
            },
          ),
        );
      }
    } else {
      // Content may only be absent when tool calls are present (an empty array counts, as in Go).
      if (toolCalls === undefined) throw new BadRequest(`invalid message content type: ${goTypeOf(content)}`);
      out.push(
        withOptional(
          { role, content: '' },
          {
            thinking: str(msg.reasoning),
            tool_calls: convertToolCalls(toolCalls),
            tool_call_id: str(msg.tool_call_id),
          },
        ),
      );
    }
  }
  return out;
}

/** Sets only the non-empty optional fields, like Go's `omitempty` on the native message. */
function withOptional(
  base: NativeMessage,
  extra: { thinking?: string; tool_calls?: NativeToolCall[]; tool_name?: string; tool_call_id?: string },
): NativeMessage {
  const m: NativeMessage = { ...base };
  if (extra.thinking) m.thinking = extra.thinking;
  if (extra.tool_calls && extra.tool_calls.length > 0) m.tool_calls = extra.tool_calls;
  if (extra.tool_name) m.tool_name = extra.tool_name;
  if (extra.tool_call_id) m.tool_call_id = extra.tool_call_id;
  return m;
}

function convertPart(role: string, part: unknown): NativeMessage {
  if (!isRecord(part)) throw new BadRequest('invalid message format');
  switch (part.type) {
    case 'text':
      if (typeof part.text !== 'string') throw new BadRequest('invalid message format');
      return { role, content: part.text };
    case 'image_url': {
      const raw = part.image_url;
      const url = isRecord(raw) ? raw.url : raw;
      if (typeof url !== 'string') throw new BadRequest('invalid message format');
      return { role, content: '', images: [decodeImageUrl(url)] };
    }
    case 'input_audio': {
      if (!isRecord(part.input_audio)) throw new BadRequest('invalid input_audio format');
      const data = part.input_audio.data;
      if (typeof data !== 'string') throw new BadRequest('invalid input_audio format: missing data');
      const audio = normaliseBase64(data);
      if (audio === undefined) throw new BadRequest('invalid input_audio base64 data: illegal base64 data');
      return { role, content: '', images: [audio] };
    }
    default:
      throw new BadRequest('invalid message format');
  }
}

const IMAGE_PREFIXES = [
  'data:image/jpeg;base64,',
  'data:image/jpg;base64,',
  'data:image/png;base64,',
  'data:image/webp;base64,',
];

/** §5.2: data URIs become plain base64; remote URLs are refused with Ollama's exact text. */
export function decodeImageUrl(url: string): string {
  if (url.startsWith('http://') || url.startsWith('https://')) {
    throw new BadRequest('image URLs are not currently supported, please use base64 encoded data instead');
  }
  let data: string | undefined;
  if (url.startsWith('data:;base64,')) data = url.slice('data:;base64,'.length);
  else {
    const prefix = IMAGE_PREFIXES.find((p) => url.startsWith(p));
    if (prefix !== undefined) data = url.slice(prefix.length);
  }
  const image = data === undefined ? undefined : normaliseBase64(data);
  if (image === undefined) throw new BadRequest('invalid image input');
  return image;
}

function convertToolCalls(calls: Record<string, unknown>[]): NativeToolCall[] {
  return calls.map((tc) => {
    const fn = isRecord(tc.function) ? tc.function : {};
    let args: unknown;
    try {
      args = JSON.parse(str(fn.arguments));
    } catch {
      throw new BadRequest('invalid tool call arguments');
    }
    // Go unmarshals into a map: `null` leaves it empty, any other non-object fails.
    if (args !== null && !isRecord(args)) throw new BadRequest('invalid tool call arguments');
    const call: NativeToolCall = { function: { name: str(fn.name), arguments: args ?? {} } };
    if (str(tc.id) !== '') call.id = str(tc.id);
    return call;
  });
}

/** Last matching call wins, searching backwards over the whole conversation (§5.2). */
function nameFromToolCallId(messages: Record<string, unknown>[], id: string): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const calls = messages[i]?.tool_calls;
    if (!Array.isArray(calls)) continue;
    for (const tc of calls as unknown[]) {
      if (isRecord(tc) && tc.id === id && isRecord(tc.function)) return str(tc.function.name);
    }
  }
  return '';
}

function convertOptions(r: Record<string, unknown>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (typeof r.stop === 'string') options.stop = [r.stop];
  else if (Array.isArray(r.stop)) options.stop = (r.stop as unknown[]).filter((s) => typeof s === 'string');
  if (typeof r.max_tokens === 'number') options.num_predict = r.max_tokens;
  // §5.2: absent temperature/top_p become 1.0, overriding the Modelfile and native defaults.
  options.temperature = typeof r.temperature === 'number' ? r.temperature : 1.0;
  if (typeof r.seed === 'number') options.seed = r.seed;
  if (typeof r.frequency_penalty === 'number') options.frequency_penalty = r.frequency_penalty;
  if (typeof r.presence_penalty === 'number') options.presence_penalty = r.presence_penalty;
  options.top_p = typeof r.top_p === 'number' ? r.top_p : 1.0;
  return options;
}

function convertFormat(rf: unknown): unknown {
  if (!isRecord(rf)) return undefined;
  const type = str(rf.type).trim().toLowerCase();
  if (type === 'json_object') return 'json';
  if (type === 'json_schema' && isRecord(rf.json_schema)) {
    const schema = rf.json_schema.schema;
    return schema === null ? undefined : schema;
  }
  return undefined;
}

/** §5.2 reasoning_effort table. An empty effort leaves thinking at the model's default. */
export function thinkFromEffort(effort: string): boolean | string | undefined {
  switch (effort) {
    case '':
      return undefined;
    case 'none':
      return false;
    case 'minimal':
      return 'low';
    case 'low':
    case 'medium':
    case 'high':
    case 'max':
      return effort;
    case 'xhigh':
    case 'ultra':
      return 'max';
    default:
      throw new BadRequest(
        `invalid reasoning value: ${JSON.stringify(effort)} (must be "minimal", "low", "medium", "high", "xhigh", "ultra", "max", or "none")`,
      );
  }
}

function convertTool(t: unknown): NativeTool {
  const tool = isRecord(t) ? t : {};
  const fn = isRecord(tool.function) ? tool.function : {};
  const out: NativeTool = { type: str(tool.type), function: { name: str(fn.name) } };
  if (str(fn.description) !== '') out.function.description = str(fn.description);
  if (fn.parameters !== undefined && fn.parameters !== null) out.function.parameters = fn.parameters;
  return out;
}
