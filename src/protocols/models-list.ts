/**
 * The `GET /v1/models` body both SDKs parse (client-apis.md C.10): the OpenAI list
 * (`object`, `data[].{id, object, created, owned_by}`, B.5) and the Anthropic page
 * (`data[].{type, id, display_name, created_at}`, `has_more`, `first_id`, `last_id`, A.10) in
 * one object, so the shared path needs no branching on headers. Shared by the openai and
 * anthropic codecs.
 */
import type { InstalledModel } from '../core/ports.js';

export interface ModelEntry {
  id: string;
  object: 'model';
  type: 'model';
  /** Unix seconds of the model's modification time (OpenAI, ollama-api.md §5.7). */
  created: number;
  owned_by: string;
  display_name: string;
  /** RFC 3339, whole seconds (Anthropic). */
  created_at: string;
}

export interface ModelList {
  object: 'list';
  data: ModelEntry[];
  /** Always false: the Anthropic SDK would page forever on `true` (A.10). */
  has_more: false;
  first_id: string | null;
  last_id: string | null;
}

/** Ollama's namespace: `library` for `llama3.2`, `user` for `user/model`, `org` for `hf.co/org/model`. */
export function ownerOf(name: string): string {
  const parts = name.split('/');
  return parts.length < 2 ? 'library' : (parts[parts.length - 2] ?? 'library');
}

export function encodeModel(model: InstalledModel): ModelEntry {
  const ms = Date.parse(model.modifiedAt);
  const time = Number.isNaN(ms) ? 0 : ms;
  return {
    id: model.name,
    object: 'model',
    type: 'model',
    created: Math.floor(time / 1000),
    owned_by: ownerOf(model.name),
    display_name: model.name,
    created_at: new Date(Math.floor(time / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
  };
}

/**
 * In the order given; a name listed twice (the same model on several hosts) appears once. `data`
 * is `[]` when empty, never `null` as Ollama's own /v1 sends: both SDKs read `[]`.
 */
export function encodeModelList(models: InstalledModel[]): ModelList {
  const seen = new Set<string>();
  const data: ModelEntry[] = [];
  for (const model of models) {
    if (seen.has(model.name)) continue;
    seen.add(model.name);
    data.push(encodeModel(model));
  }
  return {
    object: 'list',
    data,
    has_more: false,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null,
  };
}
