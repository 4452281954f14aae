import type { Dispatcher } from 'undici';
import { CorralError } from '../../core/errors.js';
import type { EmbedRequest } from '../../core/chat.js';
import type { InstalledModel, LoadedModel } from '../../core/ports.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function modelsArray(body: unknown, what: string): Json[] {
  if (!isObject(body)) throw new CorralError('upstream', `bad ${what} answer from backend`);
  const models = body.models;
  // An empty install answers `{"models":[]}`; be lenient with null too.
  if (models === null || models === undefined) return [];
  if (!Array.isArray(models)) throw new CorralError('upstream', `bad ${what} answer from backend`);
  return models.filter(isObject);
}

/** `/api/tags` → installed models (reference/ollama-api.md §2.5). */
export function decodeInstalledModels(body: unknown): InstalledModel[] {
  return modelsArray(body, '/api/tags').map((m) => ({
    name: str(m.name),
    model: str(m.model) || str(m.name),
    modifiedAt: str(m.modified_at),
    sizeBytes: num(m.size),
    digest: str(m.digest),
    details: isObject(m.details) ? m.details : {},
    ...(Array.isArray(m.capabilities)
      ? { capabilities: m.capabilities.filter((c) => typeof c === 'string') }
      : {}),
  }));
}

/** `/api/ps` → loaded models (§2.5). */
export function decodeLoadedModels(body: unknown): LoadedModel[] {
  return modelsArray(body, '/api/ps').map((m) => ({
    name: str(m.name),
    model: str(m.model) || str(m.name),
    sizeBytes: num(m.size),
    sizeVramBytes: num(m.size_vram),
    digest: str(m.digest),
    details: isObject(m.details) ? m.details : {},
    expiresAt: str(m.expires_at),
    ...(typeof m.context_length === 'number' ? { contextLength: m.context_length } : {}),
  }));
}

/** Reads an error answer: Ollama sends `{"error":"…"}`, gin's 404/405 are plain text. */
export async function readErrorText(body: Dispatcher.ResponseData['body']): Promise<string> {
  const text = await body.text();
  try {
    const parsed: unknown = JSON.parse(text);
    if (isObject(parsed) && typeof parsed.error === 'string') return parsed.error;
  } catch {
    // not JSON: use the text itself
  }
  return text.trim().slice(0, 500);
}

/** The legacy `/api/embeddings` body: one prompt, no `input` array (§2.4). */
export function encodeLegacyEmbeddingsRequest(req: EmbedRequest, prompt: string): Json {
  return {
    model: req.model,
    prompt,
    ...(req.ollamaOptions && Object.keys(req.ollamaOptions).length > 0 ? { options: req.ollamaOptions } : {}),
    ...(req.keepAlive === undefined ? {} : { keep_alive: req.keepAlive }),
  };
}

/** `{"embedding":[…]}` → the vector (empty for an empty prompt). */
export function decodeLegacyEmbeddingsResponse(body: unknown): number[] {
  const vector = isObject(body) ? body.embedding : undefined;
  if (!Array.isArray(vector) || !vector.every((n) => typeof n === 'number')) {
    throw new CorralError('upstream', 'bad /api/embeddings answer from backend');
  }
  return vector;
}
