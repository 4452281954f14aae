import type { NativeEmbedRequest, NativeTagEntry } from '../contract.js';
import { toGoFloat32 } from './go-json.js';
import { checkGoTypes, isRecord } from './go-types.js';
import { unixSeconds } from './native-chunks.js';

/** `/v1/models`, `/v1/models/{model}` (§5.7) and `/v1/embeddings` (§5.6). Pure. */

export interface OpenAiModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/** The namespace of a model name: `library` for `llama3.2`, `user` for `user/m` or `hf.co/user/m`. */
export function ownerOf(name: string): string {
  const parts = name.split(':')[0]?.split('/') ?? [];
  if (parts.length < 2) return 'library';
  return parts[parts.length - 2] ?? 'library';
}

function toModel(id: string, entry: NativeTagEntry): OpenAiModel {
  return { id, object: 'model', created: unixSeconds(entry.modified_at) ?? 0, owned_by: ownerOf(id) };
}

/** §5.7: an empty install gives `data: null`, not `[]` (Go's nil slice). */
export function listModels(tags: NativeTagEntry[]): { object: 'list'; data: OpenAiModel[] | null } {
  const data = tags.map((t) => toModel(t.model || t.name, t));
  return { object: 'list', data: data.length > 0 ? data : null };
}

/** Adds the default `:latest` tag, as Ollama's name parser does before a lookup. */
export function withDefaultTag(name: string): string {
  const last = name.split('/').pop() ?? '';
  return last.includes(':') ? name : `${name}:latest`;
}

export type RetrieveResult = { ok: true; model: OpenAiModel } | { ok: false; status: 404; message: string };

/**
 * §5.7: retrieval goes through the show handler, so the id is echoed as requested and an unknown
 * name gets show's 404 text with the normalised name.
 */
export function retrieveModel(tags: NativeTagEntry[], requested: string): RetrieveResult {
  const full = withDefaultTag(requested).toLowerCase();
  const entry = tags.find(
    (t) => (t.name || t.model).toLowerCase() === full || t.model.toLowerCase() === full,
  );
  if (entry === undefined)
    return { ok: false, status: 404, message: `model '${withDefaultTag(requested)}' not found` };
  return { ok: true, model: toModel(requested, entry) };
}

export type EmbeddingsDecode =
  { ok: true; native: NativeEmbedRequest; base64: boolean } | { ok: false; status: 400; message: string };

export function decodeEmbeddingsRequest(body: unknown): EmbeddingsDecode {
  const typeError = checkGoTypes(body, {
    struct: 'openai.EmbedRequest',
    fields: { input: 'any', model: 'string', dimensions: 'int', encoding_format: 'string' },
  });
  if (typeError !== undefined) return { ok: false, status: 400, message: typeError };
  const r = isRecord(body) ? body : {};
  const format = typeof r.encoding_format === 'string' ? r.encoding_format : '';
  const lower = format.toLowerCase();
  if (format !== '' && lower !== 'float' && lower !== 'base64') {
    return {
      ok: false,
      status: 400,
      message: `Invalid value for 'encoding_format' = ${format}. Supported values: ['float', 'base64'].`,
    };
  }
  let input: unknown = r.input;
  if (input === '') input = [''];
  if (input === undefined || input === null || (Array.isArray(input) && input.length === 0)) {
    return { ok: false, status: 400, message: 'invalid input' };
  }
  // The native handler accepts a string or an array of strings; token arrays and numbers are refused there.
  const strings = typeof input === 'string' ? [input] : Array.isArray(input) ? input : undefined;
  if (strings === undefined || !strings.every((s): s is string => typeof s === 'string')) {
    return { ok: false, status: 400, message: 'invalid input type' };
  }
  const native: NativeEmbedRequest = { model: typeof r.model === 'string' ? r.model : '', input: strings };
  if (typeof r.dimensions === 'number' && r.dimensions !== 0) native.dimensions = r.dimensions;
  return { ok: true, native, base64: lower === 'base64' };
}

/** Little-endian float32 bytes, base64-encoded (§5.6 `encoding_format: base64`). */
export function floatsToBase64(values: number[]): string {
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
}

export interface OpenAiEmbeddingList {
  object: 'list';
  data: { object: 'embedding'; embedding: number[] | string; index: number }[] | null;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** Vectors travel as float32 in Ollama, so they print with float32 precision. */
export function toEmbeddingList(
  model: string,
  embeddings: number[][],
  promptEvalCount: number,
  base64: boolean,
): OpenAiEmbeddingList {
  const data = embeddings.map((e, index) => ({
    object: 'embedding' as const,
    embedding: base64 ? floatsToBase64(e) : e.map(toGoFloat32),
    index,
  }));
  return {
    object: 'list',
    data: data.length > 0 ? data : null,
    model,
    usage: { prompt_tokens: promptEvalCount, total_tokens: promptEvalCount },
  };
}
