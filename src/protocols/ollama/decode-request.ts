/**
 * Native request bodies → canonical requests (ollama-api.md §2.2–§2.4). Bodies arrive parsed
 * and typed `unknown`; every check fails with a `CorralError` carrying Ollama's own text where
 * Ollama has one, so a client sees the same 4xx from us as from Ollama.
 */
import type { ChatRequest, EmbedRequest, GenerateRequest, Sampling } from '../../core/chat.js';
import { CorralError } from '../../core/errors.js';
import { decodeFormat, decodeImages, decodeKeepAlive, decodeOptions, decodeThink } from './decode-fields.js';
import { decodeMessages, decodeTools } from './decode-messages.js';
import type { FieldPath, JsonRecord } from './wire-read.js';
import {
  field,
  invalid,
  optArray,
  optBool,
  optInt,
  optObject,
  optString,
  readBody,
  restFields,
  typeError,
} from './wire-read.js';

const CHAT_FIELDS = new Set([
  'model',
  'messages',
  'stream',
  'format',
  'keep_alive',
  'tools',
  'options',
  'think',
]);
const GENERATE_FIELDS = new Set([
  ...['model', 'prompt', 'suffix', 'system', 'template', 'context', 'stream', 'raw'],
  ...['format', 'keep_alive', 'images', 'options', 'think'],
]);
const EMBED_FIELDS = new Set(['model', 'input', 'truncate', 'dimensions', 'keep_alive', 'options']);
const LEGACY_EMBED_FIELDS = new Set(['model', 'prompt', 'keep_alive', 'options']);

function root(goType: string): FieldPath {
  return { go: goType, param: '' };
}

/** `/api/chat` answers 400 `model is required`; generate and embed answer 404 (§3.2). */
function readModel(body: JsonRecord, path: FieldPath, missing: (model: string) => CorralError): string {
  const model = optString(body, path, 'model') ?? '';
  if (model.trim() === '') throw missing(model);
  return model;
}

/** Ollama quotes the name as sent, so `"  "` reads `model '  ' not found`. */
const notFoundEmpty = (model: string): CorralError =>
  new CorralError('not_found', `model '${model}' not found`, { param: 'model' });
const modelRequired = (): CorralError => invalid('model is required', 'model');

/**
 * Top-level fields without canonical meaning go to `ollamaFields` unchanged (Ollama ignores
 * unknown ones, and passing them keeps newer Ollama features working through us). The ones
 * Ollama types are checked here so a bad value is our 400, not the upstream's.
 */
function decodeExtraFields(
  body: JsonRecord,
  known: ReadonlySet<string>,
  path: FieldPath,
): JsonRecord | undefined {
  const rest = restFields(body, known);
  if (rest === undefined) return undefined;
  for (const key of ['truncate', 'shift', 'logprobs', '_debug_render_only']) optBool(rest, path, key);
  const topLogprobs = optInt(rest, path, 'top_logprobs');
  if (topLogprobs !== undefined && (topLogprobs < 0 || topLogprobs > 20)) {
    throw invalid('top_logprobs must be between 0 and 20', 'top_logprobs');
  }
  return rest;
}

function wholeOptions(body: JsonRecord, path: FieldPath): { sampling: Sampling; ollamaOptions?: JsonRecord } {
  const options = optObject(body, path, 'options', 'map[string]interface {}');
  return options === undefined || Object.keys(options).length === 0
    ? { sampling: {} }
    : { sampling: {}, ollamaOptions: options };
}

interface CommonFields {
  keepAlive?: number | string;
  ollamaOptions?: Record<string, unknown>;
  ollamaFields?: Record<string, unknown>;
  sampling: Sampling;
}

/**
 * Fields every inference request shares; optional ones are set only when present. Embeddings
 * have no sampling, so there (`splitOptions` false) every option is passed on as received.
 */
function decodeCommon(
  body: JsonRecord,
  known: ReadonlySet<string>,
  path: FieldPath,
  splitOptions = true,
): CommonFields {
  const { sampling, ollamaOptions } = splitOptions
    ? decodeOptions(body['options'], path)
    : wholeOptions(body, path);
  const common: CommonFields = { sampling };
  const keepAlive = decodeKeepAlive(body['keep_alive']);
  if (keepAlive !== undefined) common.keepAlive = keepAlive;
  if (ollamaOptions !== undefined) common.ollamaOptions = ollamaOptions;
  const ollamaFields = decodeExtraFields(body, known, path);
  if (ollamaFields !== undefined) common.ollamaFields = ollamaFields;
  return common;
}

/** `POST /api/chat` body → `ChatRequest`. System messages stay where they are (no hoisting). */
export function decodeChatRequest(body: unknown): ChatRequest {
  const obj = readBody(body, 'api.ChatRequest');
  const path = root('ChatRequest');
  const model = readModel(obj, path, modelRequired);
  const request: ChatRequest = {
    kind: 'chat',
    model,
    system: [],
    messages: decodeMessages(obj['messages'], path),
    tools: decodeTools(obj['tools'], path),
    stream: optBool(obj, path, 'stream') ?? true,
    ...decodeCommon(obj, CHAT_FIELDS, path),
  };
  const think = decodeThink(obj['think']);
  if (think !== undefined) request.think = think;
  const format = decodeFormat(obj['format']);
  if (format !== undefined) request.format = format;
  return request;
}

/** `POST /api/generate` body → `GenerateRequest`. */
export function decodeGenerateRequest(body: unknown): GenerateRequest {
  const obj = readBody(body, 'api.GenerateRequest');
  const path = root('GenerateRequest');
  const model = readModel(obj, path, notFoundEmpty);
  const request: GenerateRequest = {
    kind: 'generate',
    model,
    prompt: optString(obj, path, 'prompt') ?? '',
    images: decodeImages(obj['images'], field(path, 'images')),
    stream: optBool(obj, path, 'stream') ?? true,
    ...decodeCommon(obj, GENERATE_FIELDS, path),
  };
  for (const key of ['system', 'suffix', 'template'] as const) {
    const value = optString(obj, path, key);
    if (value !== undefined) request[key] = value;
  }
  const raw = optBool(obj, path, 'raw');
  if (raw !== undefined) request.raw = raw;
  const context = decodeContext(obj, path);
  if (context !== undefined) request.context = context;
  decodeGenerateExtras(obj, request);
  return request;
}

function decodeGenerateExtras(obj: JsonRecord, request: GenerateRequest): void {
  const think = decodeThink(obj['think']);
  if (think !== undefined) request.think = think;
  const format = decodeFormat(obj['format']);
  if (format !== undefined) request.format = format;
  const hasContext = request.context !== undefined && request.context.length > 0;
  if (
    request.raw === true &&
    ((request.template ?? '') !== '' || (request.system ?? '') !== '' || hasContext)
  ) {
    throw invalid('raw mode does not support template, system, or context');
  }
}

function decodeContext(obj: JsonRecord, path: FieldPath): number[] | undefined {
  const values = optArray(obj, path, 'context', '[]int');
  return values?.map((value) => {
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    throw typeError(field(path, 'context'), value, 'int');
  });
}

/** `input` is a string or an array of strings; `""` and absent mean "just load" (§2.4). */
function decodeEmbedInput(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((entry): entry is string => typeof entry === 'string'))
    return value;
  throw invalid('invalid input type', 'input');
}

/** `POST /api/embed` body → `EmbedRequest`. */
export function decodeEmbedRequest(body: unknown): EmbedRequest {
  const obj = readBody(body, 'api.EmbedRequest');
  const path = root('EmbedRequest');
  const model = readModel(obj, path, notFoundEmpty);
  const { sampling: _sampling, ...common } = decodeCommon(obj, EMBED_FIELDS, path, false);
  const request: EmbedRequest = { kind: 'embed', model, input: decodeEmbedInput(obj['input']), ...common };
  const truncate = optBool(obj, path, 'truncate');
  if (truncate !== undefined) request.truncate = truncate;
  const dimensions = optInt(obj, path, 'dimensions');
  if (dimensions !== undefined) request.dimensions = dimensions;
  return request;
}

/**
 * What `/api/embeddings` decodes to: an `EmbedRequest` (so the gateway handles it like any other)
 * marked so the route answers `{"embedding":[…]}` via `encodeLegacyEmbeddingsResponse`.
 */
export interface LegacyEmbeddingsRequest extends EmbedRequest {
  responseShape: 'legacy_embedding';
}

/**
 * Legacy `POST /api/embeddings` `{model, prompt}` → one-input `EmbedRequest` (§2.4). Its vectors
 * are not L2-normalised, unlike /api/embed's, hence `normalized: false` for the backend.
 */
export function decodeLegacyEmbeddingsRequest(body: unknown): LegacyEmbeddingsRequest {
  const obj = readBody(body, 'api.EmbeddingRequest');
  const path = root('EmbeddingRequest');
  // Unlike /api/embed, the legacy route answers 400 `model is required` (§2.4).
  const model = readModel(obj, path, modelRequired);
  const prompt = optString(obj, path, 'prompt') ?? '';
  const { sampling: _sampling, ...common } = decodeCommon(obj, LEGACY_EMBED_FIELDS, path, false);
  const input = prompt === '' ? [] : [prompt];
  return { kind: 'embed', model, input, ...common, normalized: false, responseShape: 'legacy_embedding' };
}
