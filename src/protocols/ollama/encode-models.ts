/**
 * Model lists for clients: `GET /api/tags` and `GET /api/ps` (ollama-api.md §2.5), built from the
 * canonical `InstalledModel` / `LoadedModel` the backends report.
 */
import type { InstalledModel, LoadedModel } from '../../core/ports.js';

export interface OllamaTagsEntry {
  name: string;
  model: string;
  modified_at: string;
  size: number;
  digest: string;
  details: Record<string, unknown>;
  capabilities?: string[];
}

export interface OllamaPsEntry {
  name: string;
  model: string;
  size: number;
  size_vram: number;
  digest: string;
  details: Record<string, unknown>;
  expires_at: string;
  context_length?: number;
}

/** `/api/tags`: newest `modified_at` first, as Ollama sorts it. */
export function encodeInstalledModels(models: InstalledModel[]): { models: OllamaTagsEntry[] } {
  const sorted = [...models].sort((a, b) => Date.parse(b.modifiedAt) - Date.parse(a.modifiedAt));
  return {
    models: sorted.map((m) => {
      const entry: OllamaTagsEntry = {
        name: m.name,
        model: m.model,
        modified_at: m.modifiedAt,
        size: m.sizeBytes,
        digest: m.digest,
        details: m.details,
      };
      if (m.capabilities !== undefined) entry.capabilities = m.capabilities;
      return entry;
    }),
  };
}

/** `/api/ps`: latest `expires_at` first, as Ollama sorts it. */
export function encodeLoadedModels(models: LoadedModel[]): { models: OllamaPsEntry[] } {
  const sorted = [...models].sort((a, b) => Date.parse(b.expiresAt) - Date.parse(a.expiresAt));
  return {
    models: sorted.map((m) => {
      const entry: OllamaPsEntry = {
        name: m.name,
        model: m.model,
        size: m.sizeBytes,
        size_vram: m.sizeVramBytes,
        digest: m.digest,
        details: m.details,
        expires_at: m.expiresAt,
      };
      if (m.contextLength !== undefined) entry.context_length = m.contextLength;
      return entry;
    }),
  };
}
