/**
 * Canonical requests → native bodies for our upstream Ollama servers (ollama-api.md §2.2–§2.4,
 * client-apis.md C.1/C.4/C.5). Requests decoded from any protocol arrive here, so everything
 * canonical is handled, not only what the Ollama decoder produces. Only what is set is sent:
 * Ollama's (or the Modelfile's) defaults apply otherwise, and we never invent our own.
 */
import type {
  ChatMessage,
  ChatRequest,
  ContentBlock,
  EmbedRequest,
  GenerateRequest,
  Sampling,
  ToolDefinition,
  ToolResultBlock,
  ToolUseBlock,
} from '../../core/chat.js';
import type {
  OllamaChatRequest,
  OllamaEmbedRequest,
  OllamaGenerateRequest,
  OllamaMessage,
  OllamaTool,
  OllamaToolCall,
} from './types.js';

export interface EncodeRequestOptions {
  /** Overrides `req.stream`; the backend streams from upstream even for `stream:false` clients. */
  stream?: boolean;
}

/**
 * Several top-level system blocks become one leading system message joined with a blank line:
 * Ollama's own Anthropic layer joins with nothing and glues sentences (client-apis.md C.5).
 */
export const SYSTEM_BLOCK_SEPARATOR = '\n\n';

/** Between the text blocks of one message (see `encodeMessage`). */
export const TEXT_BLOCK_SEPARATOR = '\n';

/** Ollama has no error flag on tool results; the text says it instead (client-apis.md C.4). */
export const TOOL_ERROR_PREFIX = '[tool error] ';

export function encodeChatRequest(req: ChatRequest, opts: EncodeRequestOptions = {}): OllamaChatRequest {
  // Pass-through fields first, so a canonical field always wins over a stray copy.
  const out: OllamaChatRequest = {
    ...req.ollamaFields,
    model: req.model,
    messages: encodeMessages(req),
    stream: opts.stream ?? req.stream,
  };
  // tool_choice has no Ollama equivalent: `none` sends no tools (history is kept), the other
  // choices cannot be enforced and are ignored (client-apis.md C.1).
  if (req.tools.length > 0 && req.toolChoice?.type !== 'none') out.tools = req.tools.map(encodeTool);
  if (req.format !== undefined) out.format = req.format;
  if (req.think !== undefined) out.think = req.think;
  const options = encodeOptions(req.sampling, req.ollamaOptions);
  if (options !== undefined) out.options = options;
  if (req.keepAlive !== undefined) out.keep_alive = req.keepAlive;
  return out;
}

export function encodeGenerateRequest(
  req: GenerateRequest,
  opts: EncodeRequestOptions = {},
): OllamaGenerateRequest {
  const out: OllamaGenerateRequest = {
    ...req.ollamaFields,
    model: req.model,
    prompt: req.prompt,
    stream: opts.stream ?? req.stream,
  };
  if (req.suffix !== undefined) out.suffix = req.suffix;
  if (req.system !== undefined) out.system = req.system;
  if (req.template !== undefined) out.template = req.template;
  if (req.raw !== undefined) out.raw = req.raw;
  if (req.context !== undefined) out.context = req.context;
  if (req.images.length > 0) out.images = req.images;
  if (req.format !== undefined) out.format = req.format;
  if (req.think !== undefined) out.think = req.think;
  const options = encodeOptions(req.sampling, req.ollamaOptions);
  if (options !== undefined) out.options = options;
  if (req.keepAlive !== undefined) out.keep_alive = req.keepAlive;
  return out;
}

/** `input` is always sent as an array (a single string means the same to Ollama, §2.4). */
export function encodeEmbedRequest(req: EmbedRequest): OllamaEmbedRequest {
  const out: OllamaEmbedRequest = { ...req.ollamaFields, model: req.model, input: req.input };
  if (req.truncate !== undefined) out.truncate = req.truncate;
  if (req.dimensions !== undefined) out.dimensions = req.dimensions;
  if (req.ollamaOptions !== undefined && Object.keys(req.ollamaOptions).length > 0)
    out.options = req.ollamaOptions;
  if (req.keepAlive !== undefined) out.keep_alive = req.keepAlive;
  return out;
}

/** Canonical sampling over pass-through options; undefined when there is nothing to send. */
export function encodeOptions(
  sampling: Sampling,
  passthrough?: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = { ...passthrough };
  if (sampling.temperature !== undefined) out['temperature'] = sampling.temperature;
  if (sampling.topP !== undefined) out['top_p'] = sampling.topP;
  if (sampling.topK !== undefined) out['top_k'] = sampling.topK;
  if (sampling.seed !== undefined) out['seed'] = sampling.seed;
  if (sampling.stop !== undefined) out['stop'] = sampling.stop;
  if (sampling.maxOutputTokens !== undefined) out['num_predict'] = sampling.maxOutputTokens;
  if (sampling.numCtx !== undefined) out['num_ctx'] = sampling.numCtx;
  return Object.keys(out).length === 0 ? undefined : out;
}

function encodeTool(tool: ToolDefinition): OllamaTool {
  const fn: OllamaTool['function'] = { name: tool.name, parameters: tool.inputSchema };
  if (tool.description !== undefined) fn.description = tool.description;
  return { type: 'function', function: fn };
}

/**
 * The leading system message, then each canonical message. `tool_result` blocks become their own
 * `role:"tool"` messages placed before the rest of their message, so results directly follow the
 * assistant turn that asked for them (client-apis.md C.4, scenario 9 of ollama-api.md §6.7).
 */
function encodeMessages(req: ChatRequest): OllamaMessage[] {
  const out: OllamaMessage[] = [];
  const system = req.system.map((block) => block.text).filter((text) => text !== '');
  if (system.length > 0) out.push({ role: 'system', content: system.join(SYSTEM_BLOCK_SEPARATOR) });
  const toolNames = new Map<string, string>();
  for (const message of req.messages) {
    const results = message.content.filter((block): block is ToolResultBlock => block.type === 'tool_result');
    for (const result of results) out.push(encodeToolResult(result, toolNames));
    if (results.length === 0) out.push(encodeMessage(message.role, message.content, toolNames));
    else if (results.length < message.content.length) {
      const rest = message.content.filter((block) => block.type !== 'tool_result');
      out.push(encodeMessage(message.role === 'tool' ? 'user' : message.role, rest, toolNames));
    }
  }
  return out;
}

/**
 * Several text blocks of one message are joined with a newline: Claude Code sends a
 * `<system-reminder>` block and the user's request as separate blocks, and gluing them (what
 * Ollama's own Anthropic layer does) merges the last sentence of one with the first of the other.
 * Thinking pieces are concatenated as they are (client-apis.md C.4).
 */
function encodeMessage(
  role: ChatMessage['role'],
  blocks: ContentBlock[],
  toolNames: Map<string, string>,
): OllamaMessage {
  const texts: string[] = [];
  let thinking = '';
  const images: string[] = [];
  const calls: ToolUseBlock[] = [];
  for (const block of blocks) {
    if (block.type === 'text') texts.push(block.text);
    else if (block.type === 'thinking') thinking += block.thinking;
    else if (block.type === 'image') images.push(block.data);
    else if (block.type === 'tool_use') calls.push(block);
  }
  const out: OllamaMessage = { role, content: texts.join(TEXT_BLOCK_SEPARATOR) };
  if (thinking !== '') out.thinking = thinking;
  if (images.length > 0) out.images = images;
  if (calls.length > 0) out.tool_calls = calls.map((call, index) => encodeToolCall(call, index, toolNames));
  return out;
}

function encodeToolCall(call: ToolUseBlock, index: number, toolNames: Map<string, string>): OllamaToolCall {
  if (call.id !== '') toolNames.set(call.id, call.name);
  const fn = { index, name: call.name, arguments: call.input };
  return call.id === '' ? { function: fn } : { id: call.id, function: fn };
}

/**
 * `tool_name` comes from the block, else from the earlier `tool_use` with the same id (Anthropic
 * results carry no name, client-apis.md C.4). An empty id is never looked up: id-less calls
 * (LangChain) would all match it.
 */
function encodeToolResult(block: ToolResultBlock, toolNames: Map<string, string>): OllamaMessage {
  let content = block.isError === true ? TOOL_ERROR_PREFIX : '';
  const images: string[] = [];
  for (const part of block.content) {
    if (part.type === 'text') content += part.text;
    else images.push(part.data);
  }
  const out: OllamaMessage = { role: 'tool', content };
  if (images.length > 0) out.images = images;
  const name = block.name ?? (block.toolUseId === '' ? undefined : toolNames.get(block.toolUseId));
  if (name !== undefined) out.tool_name = name;
  if (block.toolUseId !== '') out.tool_call_id = block.toolUseId;
  return out;
}
