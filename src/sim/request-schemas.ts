import { parseKeepAlive } from './duration.js';
import type { GoType } from './go-types.js';

/**
 * Ollama's request structs (api/types.go) as GoType descriptions, so decode errors name the same
 * struct, field path and Go type as the real server (§3.2).
 */

const str: GoType = { kind: 'string' };
const bool: GoType = { kind: 'bool' };
const int: GoType = { kind: 'int' };
const anyValue: GoType = { kind: 'any' };
const options: GoType = { kind: 'map', name: 'map[string]interface {}' };

/** Duration.UnmarshalJSON (§2.8); the decoded value stays raw, the engine parses it again. */
const keepAlive: GoType = {
  kind: 'custom',
  decode: (v) => {
    const r = parseKeepAlive(v);
    return r.ok ? { value: v } : { error: r.error };
  },
};

export const thinkLevels = ['high', 'medium', 'low', 'max'] as const;

/** ThinkValue.UnmarshalJSON (§2.9). */
export function decodeThink(v: unknown): { error: string } | { value: unknown } {
  if (typeof v === 'boolean') return { value: v };
  if (typeof v === 'string') {
    if ((thinkLevels as readonly string[]).includes(v)) return { value: v };
    if (v === 'true' || v === 'false') return { value: v === 'true' };
  }
  return {
    error: `invalid think value: ${JSON.stringify(v)} (must be "high", "medium", "low", "max", true, or false)`,
  };
}

const think: GoType = { kind: 'custom', decode: decodeThink };

/** ImageData is []byte: JSON carries standard base64; anything else fails like Go's decoder. */
const image: GoType = {
  kind: 'custom',
  decode: (v) => {
    if (typeof v !== 'string')
      return {
        error: `json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v} into Go value of type []uint8`,
      };
    const bad = /[^A-Za-z0-9+/=\r\n]/.exec(v);
    if (bad) return { error: `illegal base64 data at input byte ${bad.index}` };
    return { value: v };
  },
};

const toolCallArguments: GoType = { kind: 'map', name: 'api.ToolCallFunctionArguments' };

const toolCall: GoType = {
  kind: 'struct',
  name: 'api.ToolCall',
  fields: {
    id: str,
    function: {
      kind: 'struct',
      name: 'api.ToolCallFunction',
      fields: { index: int, name: str, arguments: toolCallArguments },
    },
  },
};

const message: GoType = {
  kind: 'struct',
  name: 'api.Message',
  fields: {
    role: str,
    content: str,
    thinking: str,
    images: { kind: 'slice', name: '[]api.ImageData', elem: image },
    tool_calls: { kind: 'slice', name: '[]api.ToolCall', elem: toolCall },
    tool_name: str,
    tool_call_id: str,
  },
};

const tool: GoType = {
  kind: 'struct',
  name: 'api.Tool',
  fields: {
    type: str,
    items: anyValue,
    function: {
      kind: 'struct',
      name: 'api.ToolFunction',
      fields: { name: str, description: str, parameters: anyValue },
    },
  },
};

const common: Record<string, GoType> = {
  model: str,
  stream: bool,
  format: anyValue,
  keep_alive: keepAlive,
  options,
  think,
  truncate: bool,
  shift: bool,
  logprobs: bool,
  top_logprobs: int,
  _debug_render_only: bool,
};

export const chatRequestType = {
  kind: 'struct',
  name: 'api.ChatRequest',
  fields: {
    ...common,
    messages: { kind: 'slice', name: '[]api.Message', elem: message },
    tools: { kind: 'slice', name: 'api.Tools', elem: tool },
  },
} as const satisfies GoType;

export const generateRequestType = {
  kind: 'struct',
  name: 'api.GenerateRequest',
  fields: {
    ...common,
    prompt: str,
    suffix: str,
    system: str,
    template: str,
    context: { kind: 'slice', name: '[]int', elem: int },
    raw: bool,
    images: { kind: 'slice', name: '[]api.ImageData', elem: image },
  },
} as const satisfies GoType;

export const embedRequestType = {
  kind: 'struct',
  name: 'api.EmbedRequest',
  fields: { model: str, input: anyValue, truncate: bool, dimensions: int, keep_alive: keepAlive, options },
} as const satisfies GoType;

export const embeddingRequestType = {
  kind: 'struct',
  name: 'api.EmbeddingRequest',
  fields: { model: str, prompt: str, keep_alive: keepAlive, options },
} as const satisfies GoType;

export const showRequestType = {
  kind: 'struct',
  name: 'api.ShowRequest',
  fields: { model: str, name: str, system: str, template: str, verbose: bool, options },
} as const satisfies GoType;
