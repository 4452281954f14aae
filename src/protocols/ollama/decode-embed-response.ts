/**
 * An upstream `/api/embed` answer → `EmbedResult` (ollama-api.md §2.4). Embeddings report only
 * prompt tokens and the total/load durations.
 */
import type { EmbedResult, Timings } from '../../core/chat.js';
import { CorralError } from '../../core/errors.js';
import { decodeTimings } from './decode-stream.js';
import { isRecord } from './wire-read.js';

function isVector(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((n) => typeof n === 'number');
}

export function decodeEmbedResponse(body: unknown): EmbedResult {
  if (!isRecord(body)) throw new CorralError('upstream', 'upstream embed answer is not a JSON object');
  const error = body['error'];
  if (typeof error === 'string' && error !== '') throw new CorralError('upstream', error);
  const embeddings = body['embeddings'] ?? [];
  if (!Array.isArray(embeddings) || !embeddings.every(isVector)) {
    throw new CorralError('upstream', 'upstream embed answer has no valid "embeddings" array');
  }
  const prompt = body['prompt_eval_count'];
  const inputTokens = typeof prompt === 'number' && Number.isFinite(prompt) ? prompt : 0;
  const result: EmbedResult = { embeddings, usage: { inputTokens, outputTokens: 0 } };
  const timings: Timings | undefined = decodeTimings(body);
  if (timings !== undefined) result.timings = timings;
  return result;
}
