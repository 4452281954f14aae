/**
 * Canonical request -> Anthropic Messages request body (client-apis.md §A.2–A.5), for talking to
 * Anthropic's cloud as an upstream (the cloud fallback). The other direction of this folder's
 * decoders: what any client sent, as the real API accepts it.
 */
import type {
  ChatMessage,
  ChatRequest,
  ContentBlock,
  GenerateRequest,
  ImageBlock,
  TextBlock,
  ThinkSetting,
} from '../../core/chat.js';
import { TOOL_USE_ID_PATTERN, UNSIGNED_THINKING_SIGNATURE } from './identifiers.js';

/** A request body block, as the real API takes it. */
export type AnthropicRequestBlock =
  | { type: 'text'; text: string }
  | { type: 'image'; source: { type: 'base64'; media_type: string; data: string } }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | {
      type: 'tool_result';
      tool_use_id: string;
      content: Array<Extract<AnthropicRequestBlock, { type: 'text' | 'image' }>>;
      is_error?: boolean;
    }
  | { type: 'thinking'; thinking: string; signature: string };

export interface AnthropicRequestBody {
  model: string;
  max_tokens: number;
  messages: Array<{ role: 'user' | 'assistant'; content: AnthropicRequestBlock[] }>;
  system?: Array<{ type: 'text'; text: string }>;
  tools?: Array<{ name: string; description?: string; input_schema: Record<string, unknown> }>;
  tool_choice?: { type: 'auto' | 'any' | 'none' } | { type: 'tool'; name: string };
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  thinking?: { type: 'enabled'; budget_tokens: number };
  stream: true;
}

export interface EncodeRequestOptions {
  /** The cloud model to ask for. */
  model: string;
  /** `max_tokens` when the client set none (the API requires one). */
  defaultMaxTokens: number;
}

/** The API's smallest thinking budget (§A.5); budgets must also stay below `max_tokens`. */
const MIN_THINKING_BUDGET = 1024;
const THINKING_BUDGETS: Record<Exclude<ThinkSetting, boolean>, number> = {
  low: 1024,
  medium: 4096,
  high: 16_384,
  max: 32_768,
};

/**
 * Builds the body. What the real API refuses is repaired rather than forwarded: system text
 * between turns joins the top-level `system`; tool results become user turns, ahead of any other
 * content; consecutive turns of one role are merged; empty and whitespace-only text is dropped
 * (§D.22); tool-use ids outside `^[a-zA-Z0-9_-]+$` (or missing, as Ollama clients send them) are
 * replaced consistently in calls and results (§D.8); thinking blocks without a real signature are
 * dropped (§D.20), and thinking is not asked for where the API would refuse it; images of unknown
 * type are typed by their bytes; `temperature` is capped at the API's 1.0. Options with no
 * Anthropic meaning (`seed`, `num_ctx`, `format`, Ollama options) are left out.
 */
export function encodeAnthropicRequest(
  req: ChatRequest | GenerateRequest,
  options: EncodeRequestOptions,
): AnthropicRequestBody {
  const chat = req.kind === 'chat' ? req : generateAsChat(req);
  const ids = new ToolIds();
  const system: Array<{ type: 'text'; text: string }> = chat.system
    .filter((b) => !isBlank(b.text))
    .map((b) => ({ type: 'text', text: b.text }));
  const messages: AnthropicRequestBody['messages'] = [];
  for (const message of chat.messages) {
    if (message.role === 'system') {
      for (const block of message.content)
        if (block.type === 'text' && !isBlank(block.text)) system.push({ type: 'text', text: block.text });
      continue;
    }
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const content = encodeBlocks(message, ids);
    if (content.length === 0) continue;
    const last = messages[messages.length - 1];
    if (last?.role === role)
      last.content =
        role === 'user' ? resultsFirst([...last.content, ...content]) : [...last.content, ...content];
    else messages.push({ role, content });
  }
  const maxTokens = chat.sampling.maxOutputTokens ?? options.defaultMaxTokens;
  const thinking = thinkingAllowed(chat, messages) ? thinkingBudget(chat.think, maxTokens) : undefined;
  const body: AnthropicRequestBody = {
    model: options.model,
    max_tokens: maxTokens,
    messages,
    stream: true,
  };
  if (system.length > 0) body.system = system;
  if (chat.tools.length > 0) {
    body.tools = chat.tools.map((t) => ({
      name: t.name,
      ...(t.description === undefined ? {} : { description: t.description }),
      input_schema: t.inputSchema,
    }));
    if (chat.toolChoice) body.tool_choice = chat.toolChoice;
  }
  const { temperature, topP, topK, stop } = chat.sampling;
  // With thinking on, the API accepts neither temperature nor top_k (§A.5).
  if (temperature !== undefined && !thinking) body.temperature = Math.min(1, Math.max(0, temperature));
  if (topP !== undefined) body.top_p = topP;
  if (topK !== undefined && !thinking) body.top_k = topK;
  if (stop && stop.length > 0) body.stop_sequences = stop;
  if (thinking) body.thinking = { type: 'enabled', budget_tokens: thinking };
  return body;
}

function encodeBlocks(message: ChatMessage, ids: ToolIds): AnthropicRequestBlock[] {
  const out: AnthropicRequestBlock[] = [];
  for (const block of message.content) {
    const encoded = encodeBlock(block, ids);
    if (encoded) out.push(encoded);
  }
  return message.role === 'assistant' ? out : resultsFirst(out);
}

/** Tool results must open a user turn (§A.3): put them first, in their original order. */
function resultsFirst(blocks: AnthropicRequestBlock[]): AnthropicRequestBlock[] {
  return [
    ...blocks.filter((b) => b.type === 'tool_result'),
    ...blocks.filter((b) => b.type !== 'tool_result'),
  ];
}

/** The API refuses text blocks that are empty or whitespace only (§A.3, §D.22). */
function isBlank(text: string): boolean {
  return text.trim() === '';
}

function encodeBlock(block: ContentBlock, ids: ToolIds): AnthropicRequestBlock | undefined {
  switch (block.type) {
    case 'text':
      return isBlank(block.text) ? undefined : { type: 'text', text: block.text };
    case 'image':
      return encodeImage(block);
    case 'tool_use':
      return {
        type: 'tool_use',
        id: ids.forCall(block.id, block.name),
        name: block.name,
        input: block.input,
      };
    case 'tool_result': {
      const content = block.content.flatMap(
        (b): Array<Extract<AnthropicRequestBlock, { type: 'text' | 'image' }>> =>
          b.type === 'text' ? (isBlank(b.text) ? [] : [{ type: 'text', text: b.text }]) : [encodeImage(b)],
      );
      return {
        type: 'tool_result',
        tool_use_id: ids.forResult(block.toolUseId, block.name),
        content,
        ...(block.isError ? { is_error: true } : {}),
      };
    }
    case 'thinking':
      return block.signature && block.signature !== UNSIGNED_THINKING_SIGNATURE
        ? { type: 'thinking', thinking: block.thinking, signature: block.signature }
        : undefined;
  }
}

function encodeImage(block: ImageBlock): Extract<AnthropicRequestBlock, { type: 'image' }> {
  const mediaType = block.mediaType === UNKNOWN_MEDIA_TYPE ? sniffImageType(block.data) : block.mediaType;
  return { type: 'image', source: { type: 'base64', media_type: mediaType, data: block.data } };
}

const UNKNOWN_MEDIA_TYPE = 'application/octet-stream';
/** Base64 openings of the four image types the API takes (§A.3). */
const IMAGE_SIGNATURES: Array<[string, string]> = [
  ['iVBORw0KGgo', 'image/png'],
  ['/9j/', 'image/jpeg'],
  ['R0lGOD', 'image/gif'],
  ['UklGR', 'image/webp'],
];

/** Ollama images carry no media type, and the API checks the one it is given against the bytes. */
function sniffImageType(data: string): string {
  for (const [prefix, type] of IMAGE_SIGNATURES) if (data.startsWith(prefix)) return type;
  return UNKNOWN_MEDIA_TYPE;
}

/**
 * Manual thinking is refused with a `tool_choice` that forces a tool, and in the middle of a tool
 * loop whose assistant turn does not start with a (signed) thinking block, as when that turn came
 * from a local model whose unsigned thinking was dropped: the API keeps one thinking mode per turn.
 */
function thinkingAllowed(chat: ChatRequest, messages: AnthropicRequestBody['messages']): boolean {
  const forced = chat.toolChoice?.type === 'any' || chat.toolChoice?.type === 'tool';
  if (forced && chat.tools.length > 0) return false;
  const last = messages[messages.length - 1];
  const caller = messages[messages.length - 2];
  if (last?.role !== 'user' || last.content[0]?.type !== 'tool_result' || caller === undefined) return true;
  return caller.content[0]?.type === 'thinking';
}

function thinkingBudget(think: ThinkSetting | undefined, maxTokens: number): number | undefined {
  if (think === undefined || think === false) return undefined;
  const wanted = think === true ? THINKING_BUDGETS.medium : THINKING_BUDGETS[think];
  const budget = Math.min(wanted, maxTokens - 1);
  return budget >= MIN_THINKING_BUDGET ? budget : undefined;
}

/** `/api/generate`'s prompt form as one user turn. */
function generateAsChat(req: GenerateRequest): ChatRequest {
  const content: Array<TextBlock | ImageBlock> = [{ type: 'text', text: req.prompt }];
  for (const data of req.images) content.push({ type: 'image', mediaType: sniffImageType(data), data });
  return {
    kind: 'chat',
    model: req.model,
    system: req.system ? [{ type: 'text', text: req.system }] : [],
    messages: [{ role: 'user', content }],
    tools: [],
    sampling: req.sampling,
    ...(req.think === undefined ? {} : { think: req.think }),
    stream: req.stream,
  };
}

/**
 * Tool-use ids the real API accepts: `^[a-zA-Z0-9_-]+$` and unique across the conversation. A
 * valid, unused id is kept; other characters become `_`; an id a call already used (OpenAI
 * clients and Ollama repeat `call_0` turn after turn) gets a suffix, and a result with that id
 * answers the latest call that had it. A missing id gets a fresh one, and a result without an id
 * answers the oldest unanswered call of its name (or of any name), as Ollama pairs them by order.
 */
class ToolIds {
  /** Ids already given to a call. */
  readonly #used = new Set<string>();
  /** The client's id -> the id its latest call was sent with. */
  readonly #latest = new Map<string, string>();
  readonly #unanswered: Array<{ id: string; name: string }> = [];
  #next = 0;

  forCall(id: string, name: string): string {
    let out = id === '' ? this.#fresh() : clean(id);
    while (this.#used.has(out)) out = `${id === '' ? 'toolu_corral' : clean(id)}_${this.#next++}`;
    this.#used.add(out);
    if (id !== '') this.#latest.set(id, out);
    this.#unanswered.push({ id: out, name });
    return out;
  }

  forResult(id: string, name: string | undefined): string {
    if (id !== '') {
      const out = this.#latest.get(id) ?? clean(id);
      const at = this.#unanswered.findIndex((c) => c.id === out);
      if (at >= 0) this.#unanswered.splice(at, 1);
      return out;
    }
    let at = name === undefined ? -1 : this.#unanswered.findIndex((c) => c.name === name);
    if (at < 0) at = 0;
    const call = this.#unanswered.splice(at, 1)[0];
    return call?.id ?? this.#fresh();
  }

  #fresh(): string {
    return `toolu_corral_${this.#next++}`;
  }
}

function clean(id: string): string {
  return TOOL_USE_ID_PATTERN.test(id) ? id : id.replace(/[^a-zA-Z0-9_-]/g, '_');
}
