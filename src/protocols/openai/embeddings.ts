/**
 * `POST /v1/embeddings` (ollama-api.md §5.6, client-apis.md B): request → canonical
 * `EmbedRequest`, canonical result → OpenAI's list body. `encoding_format: "base64"` is the
 * vector as little-endian float32 bytes, which the openai SDK asks for by default and decodes.
 */
import { Buffer } from 'node:buffer';
import type { EmbedRequest, EmbedResult } from '../../core/chat.js';
import type { OpenAIEmbeddingsResponse } from './types.js';
import { invalid, isRecord, optInt, optString } from './wire-read.js';

export type EmbeddingEncodingFormat = 'float' | 'base64';

export interface DecodedEmbeddingsRequest {
  request: EmbedRequest;
  encodingFormat: EmbeddingEncodingFormat;
}

export function decodeEmbeddingsRequest(body: unknown): DecodedEmbeddingsRequest {
  if (!isRecord(body)) throw invalid('request body must be a JSON object');
  const model = optString(body, 'model', 'model') ?? '';
  if (model === '') throw invalid('model is required', 'model');
  const request: EmbedRequest = { kind: 'embed', model, input: decodeInput(body['input']) };
  const dimensions = optInt(body, 'dimensions', 'dimensions');
  if (dimensions !== undefined && dimensions < 1)
    throw invalid('dimensions must be at least 1', 'dimensions');
  if (dimensions !== undefined) request.dimensions = dimensions;
  return { request, encodingFormat: decodeEncodingFormat(body['encoding_format']) };
}

/** A string or an array of strings; token arrays have no Ollama equivalent (§5.6). */
function decodeInput(value: unknown): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) {
    throw invalid('input must be a non-empty string or array of strings', 'input');
  }
  return list.map((entry, index) => {
    if (typeof entry === 'number' || Array.isArray(entry)) {
      throw invalid('token arrays are not supported as input; send text', `input[${index}]`);
    }
    if (typeof entry !== 'string' || entry === '') {
      throw invalid('input must contain only non-empty strings', `input[${index}]`);
    }
    return entry;
  });
}

function decodeEncodingFormat(value: unknown): EmbeddingEncodingFormat {
  if (value === undefined || value === null || value === 'float') return 'float';
  if (value === 'base64') return 'base64';
  // Ollama's wording (§5.6), so clients moving from Ollama's /v1 see the same text.
  throw invalid(
    `Invalid value for 'encoding_format' = ${String(value)}. Supported values: ['float', 'base64'].`,
    'encoding_format',
  );
}

/** Little-endian float32 bytes, base64: what OpenAI sends and the SDK decodes. */
export function float32Base64(vector: readonly number[]): string {
  const bytes = new DataView(new ArrayBuffer(vector.length * 4));
  vector.forEach((value, index) => bytes.setFloat32(index * 4, value, true));
  return Buffer.from(bytes.buffer).toString('base64');
}

export function encodeEmbeddingsResponse(
  model: string,
  result: EmbedResult,
  encodingFormat: EmbeddingEncodingFormat,
): OpenAIEmbeddingsResponse {
  return {
    object: 'list',
    data: result.embeddings.map((vector, index) => ({
      object: 'embedding',
      embedding: encodingFormat === 'base64' ? float32Base64(vector) : vector,
      index,
    })),
    model,
    usage: { prompt_tokens: result.usage.inputTokens, total_tokens: result.usage.inputTokens },
  };
}
