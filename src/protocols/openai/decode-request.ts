/**
 * `POST /v1/chat/completions` body → canonical `ChatRequest` (client-apis.md B.2, C.1, C.7).
 * Unknown fields are accepted and ignored (§0: never fail on unknown fields). Sampling carries
 * only what the client sent: Ollama's own OpenAI layer sends temperature and top_p 1.0 when they
 * are absent, overriding the Modelfile (ollama-api.md §5.2); we never invent a default.
 */
import type { ChatRequest, Sampling, ThinkSetting, ToolChoice, ToolDefinition } from '../../core/chat.js';
import { decodeMessages } from './decode-messages.js';
import type { JsonRecord } from './wire-read.js';
import {
  at,
  invalid,
  isRecord,
  optArray,
  optBool,
  optInt,
  optNumber,
  optRecord,
  optString,
  requireRecord,
} from './wire-read.js';

export interface DecodedChatCompletionsRequest {
  request: ChatRequest;
  /**
   * `stream_options.include_usage` with `stream: true`: the stream ends with a usage chunk
   * (`choices: []`). Never true for non-streamed requests, whose body always has `usage`.
   */
  includeUsage: boolean;
}

export function decodeChatCompletionsRequest(body: unknown): DecodedChatCompletionsRequest {
  if (!isRecord(body)) throw invalid('request body must be a JSON object');
  const model = optString(body, 'model', 'model') ?? '';
  if (model === '') throw invalid('model is required', 'model');
  const n = optInt(body, 'n', 'n');
  if (n !== undefined && n !== 1) throw invalid('n must be 1: only one choice per request is supported', 'n');
  const { system, messages } = decodeMessages(body['messages']);
  const stream = optBool(body, 'stream', 'stream') ?? false;
  const request: ChatRequest = {
    kind: 'chat',
    model,
    system,
    messages,
    tools: decodeTools(body),
    sampling: decodeSampling(body),
    stream,
  };
  const toolChoice = decodeToolChoice(body['tool_choice']);
  if (toolChoice !== undefined) request.toolChoice = toolChoice;
  const think = decodeReasoningEffort(body);
  if (think !== undefined) request.think = think;
  const format = decodeResponseFormat(body);
  if (format !== undefined) request.format = format;
  Object.assign(request, decodeOllamaExtras(body));
  const streamOptions = optRecord(body, 'stream_options', 'stream_options') ?? {};
  const includeUsage = optBool(streamOptions, 'include_usage', 'stream_options.include_usage') ?? false;
  return { request, includeUsage: stream && includeUsage };
}

function decodeSampling(body: JsonRecord): Sampling {
  const sampling: Sampling = {};
  const temperature = optNumber(body, 'temperature', 'temperature');
  if (temperature !== undefined) sampling.temperature = temperature;
  const topP = optNumber(body, 'top_p', 'top_p');
  if (topP !== undefined) sampling.topP = topP;
  // `top_k` is not OpenAI's, but vLLM-style clients send it and Ollama understands it.
  const topK = optInt(body, 'top_k', 'top_k');
  if (topK !== undefined) sampling.topK = topK;
  const seed = optInt(body, 'seed', 'seed');
  if (seed !== undefined) sampling.seed = seed;
  const stop = decodeStop(body['stop']);
  if (stop !== undefined) sampling.stop = stop;
  // B.2: `max_tokens` is the deprecated alias; when both are sent, `max_completion_tokens` wins.
  const key =
    body['max_completion_tokens'] !== undefined && body['max_completion_tokens'] !== null
      ? 'max_completion_tokens'
      : 'max_tokens';
  const max = optInt(body, key, key);
  if (max !== undefined && max < 1) throw invalid(`${key} must be at least 1`, key);
  if (max !== undefined) sampling.maxOutputTokens = max;
  const numCtx = optInt(body, 'num_ctx', 'num_ctx');
  if (numCtx !== undefined && numCtx > 0) sampling.numCtx = numCtx;
  return sampling;
}

function decodeStop(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.some((entry) => typeof entry !== 'string')) {
    throw invalid('stop must be a string or an array of strings', 'stop');
  }
  // An empty stop string would end every generation at once; drop it.
  const stop = (list as string[]).filter((entry) => entry !== '');
  return stop.length === 0 ? undefined : stop;
}

/** Same-named Ollama options (C.1), plus the vLLM spelling of the repeat penalty. */
const OLLAMA_OPTIONS: ReadonlyArray<[wire: string, ollama: string]> = [
  ['frequency_penalty', 'frequency_penalty'],
  ['presence_penalty', 'presence_penalty'],
  ['repetition_penalty', 'repeat_penalty'],
  ['repeat_penalty', 'repeat_penalty'],
  ['min_p', 'min_p'],
  ['typical_p', 'typical_p'],
];

function decodeOllamaExtras(body: JsonRecord): Partial<ChatRequest> {
  const extras: Partial<ChatRequest> = {};
  const options: Record<string, unknown> = {};
  for (const [wire, ollama] of OLLAMA_OPTIONS) {
    const value = optNumber(body, wire, wire);
    if (value !== undefined) options[ollama] = value;
  }
  if (Object.keys(options).length > 0) extras.ollamaOptions = options;
  // Top-level Ollama fields (ollama-api.md §5.2 passes logprobs through, Ollama ≥ 0.12.11).
  const fields: Record<string, unknown> = {};
  const logprobs = optBool(body, 'logprobs', 'logprobs');
  if (logprobs !== undefined) fields['logprobs'] = logprobs;
  const topLogprobs = optInt(body, 'top_logprobs', 'top_logprobs');
  if (topLogprobs !== undefined) fields['top_logprobs'] = topLogprobs;
  if (Object.keys(fields).length > 0) extras.ollamaFields = fields;
  // Ollama's own /v1 ignores keep_alive (ollama#5356, #9355); we honour it as an extension.
  const keepAlive = body['keep_alive'];
  if (typeof keepAlive === 'number' || typeof keepAlive === 'string') extras.keepAlive = keepAlive;
  else if (keepAlive !== undefined && keepAlive !== null) {
    throw invalid('keep_alive must be a number of seconds or a duration string', 'keep_alive');
  }
  return extras;
}

function decodeTools(body: JsonRecord): ToolDefinition[] {
  const tools = optArray(body, 'tools', 'tools') ?? [];
  return tools.map((raw, index) => {
    const param = `tools[${index}]`;
    const tool = requireRecord(raw, param);
    const type = optString(tool, 'type', at(param, 'type')) ?? 'function';
    if (type !== 'function') {
      throw invalid(
        `tool type ${JSON.stringify(type)} is not supported; only function tools are`,
        at(param, 'type'),
      );
    }
    const fn = requireRecord(tool['function'], at(param, 'function'));
    const name = optString(fn, 'name', at(param, 'function.name')) ?? '';
    if (name === '') throw invalid(`${param}.function.name is required`, at(param, 'function.name'));
    // A function without `parameters` takes none; Ollama's templates expect an object schema.
    const inputSchema = optRecord(fn, 'parameters', at(param, 'function.parameters')) ?? {
      type: 'object',
      properties: {},
    };
    const description = optString(fn, 'description', at(param, 'function.description'));
    return description === undefined ? { name, inputSchema } : { name, description, inputSchema };
  });
}

/** C.1: best effort downstream; here only the meaning is kept. `allowed_tools` → auto. */
function decodeToolChoice(value: unknown): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'none' || value === 'auto') return { type: value };
  if (value === 'required') return { type: 'any' };
  if (isRecord(value)) {
    if (value['type'] === 'allowed_tools') return { type: 'auto' };
    const fn = value['function'];
    const name = isRecord(fn) ? fn['name'] : undefined;
    if (value['type'] === 'function' && typeof name === 'string' && name !== '')
      return { type: 'tool', name };
  }
  throw invalid(
    'tool_choice must be "none", "auto", "required" or {"type":"function","function":{"name":…}}',
    'tool_choice',
  );
}

/** C.7: `none` switches thinking off; `xhigh` → high, `max` → max. Absent: the gateway decides. */
const EFFORTS: Readonly<Record<string, ThinkSetting>> = {
  none: false,
  minimal: 'low',
  low: 'low',
  medium: 'medium',
  high: 'high',
  xhigh: 'high',
  max: 'max',
};

function decodeReasoningEffort(body: JsonRecord): ThinkSetting | undefined {
  let param = 'reasoning_effort';
  let effort = optString(body, 'reasoning_effort', param);
  // Ollama's /v1 also reads the Responses-style `reasoning: {effort}`.
  const reasoning = body['reasoning'];
  if (effort === undefined && isRecord(reasoning)) {
    param = 'reasoning.effort';
    effort = optString(reasoning, 'effort', param);
  }
  if (effort === undefined) return undefined;
  const think = Object.hasOwn(EFFORTS, effort) ? EFFORTS[effort] : undefined;
  if (think === undefined) {
    throw invalid(
      `invalid ${param} ${JSON.stringify(effort)}: expected one of ${Object.keys(EFFORTS).join(', ')}`,
      param,
    );
  }
  return think;
}

function decodeResponseFormat(body: JsonRecord): ChatRequest['format'] {
  const format = optRecord(body, 'response_format', 'response_format');
  if (format === undefined) return undefined;
  const type = optString(format, 'type', 'response_format.type');
  if (type === 'text') return undefined;
  if (type === 'json_object') return 'json';
  if (type === 'json_schema') {
    const spec = optRecord(format, 'json_schema', 'response_format.json_schema') ?? {};
    return optRecord(spec, 'schema', 'response_format.json_schema.schema') ?? 'json';
  }
  throw invalid(
    `response_format.type must be "text", "json_object" or "json_schema", got ${JSON.stringify(type ?? null)}`,
    'response_format.type',
  );
}
