import { createHash } from 'node:crypto';
import type { NativeTagEntry } from './contract.js';

/** One installed model of the emulator. Sizes and details are shaped like real library models (§2.5). */
export interface ModelSpec {
  /** Canonical name, `name:tag`, e.g. `llama3.2:latest`. */
  name: string;
  family: string;
  families: string[];
  parameterSize: string;
  quantization: string;
  sizeBytes: number;
  capabilities: string[];
  /** Training context length; `num_ctx` is capped to it (§2.7). */
  contextLength: number;
  embeddingLength: number;
  /** Per-model load time override (ms). */
  loadMs?: number;
  /** Per-model slot count override. Embedding models are always 1 (§4.1). */
  parallel?: number;
}

/** The catalogue entry plus what is derived once at start (digest, modified_at). */
export interface InstalledModel extends ModelSpec {
  digest: string;
  modifiedAt: string;
  isEmbeddingOnly: boolean;
}

const presets: readonly ModelSpec[] = [
  {
    name: 'llama3.2:latest',
    family: 'llama',
    families: ['llama'],
    parameterSize: '3.2B',
    quantization: 'Q4_K_M',
    sizeBytes: 2_019_393_189,
    capabilities: ['completion', 'tools'],
    contextLength: 131_072,
    embeddingLength: 3072,
  },
  {
    name: 'qwen3:8b',
    family: 'qwen3',
    families: ['qwen3'],
    parameterSize: '8.2B',
    quantization: 'Q4_K_M',
    sizeBytes: 5_225_388_164,
    capabilities: ['completion', 'tools', 'thinking'],
    contextLength: 40_960,
    embeddingLength: 4096,
  },
  {
    name: 'llava:7b',
    family: 'llama',
    families: ['llama', 'clip'],
    parameterSize: '7B',
    quantization: 'Q4_0',
    sizeBytes: 4_733_363_377,
    capabilities: ['completion', 'vision'],
    contextLength: 32_768,
    embeddingLength: 4096,
  },
  {
    name: 'all-minilm:latest',
    family: 'bert',
    families: ['bert'],
    parameterSize: '23M',
    quantization: 'F16',
    sizeBytes: 45_960_996,
    capabilities: ['embedding'],
    contextLength: 512,
    embeddingLength: 384,
  },
];

export const defaultModelNames: readonly string[] = presets.map((p) => p.name);

/**
 * Canonical form of a model name (§2.1): lower-cased, registry/`library/` prefix dropped, tag
 * defaulting to `latest`. Matching is case-insensitive, so lower-casing the whole name is enough.
 */
export function normalizeModelName(name: string): string {
  let n = name.trim().toLowerCase();
  if (n.startsWith('registry.ollama.ai/')) n = n.slice('registry.ollama.ai/'.length);
  if (n.startsWith('library/')) n = n.slice('library/'.length);
  const lastSlash = n.lastIndexOf('/');
  if (n.indexOf(':', lastSlash + 1) === -1) n += ':latest';
  return n;
}

export const invalidModelName = 'invalid model name';

/** Go's `model.MissingPart`: what a separator with nothing on one side leaves; never a valid part. */
const missingPart = '!MISSING!';

type NamePart = 'host' | 'namespace' | 'model' | 'tag';

/** `isValidPart` of Ollama's types/model/name.go. */
function isValidPart(kind: NamePart, s: string): boolean {
  if (s.length < 1 || s.length > (kind === 'host' ? 350 : 80)) return false;
  if (!/^[A-Za-z0-9_]/.test(s)) return false;
  for (const c of s.slice(1)) {
    if (c === '_' || c === '-' || /[A-Za-z0-9]/.test(c)) continue;
    if (c === '.' && kind !== 'namespace') continue;
    if (c === ':' && kind === 'host') continue;
    return false;
  }
  return true;
}

/** Go's `cutPromised`: split at the last `sep`; an empty side becomes `missingPart`. */
function cutPromised(s: string, sep: string): [string, string] | undefined {
  const i = s.lastIndexOf(sep);
  if (i < 0) return undefined;
  return [s.slice(0, i) || missingPart, s.slice(i + sep.length) || missingPart];
}

/**
 * Ollama's check of a model reference on chat, generate, embed, embeddings and show (§2.1,
 * §3.2): `required` for an empty (or blank) name, whose text and status differ per endpoint;
 * `invalid` for a name that `model.ParseName` cannot make fully qualified → 400
 * `invalid model name`. A `:cloud`/`:local`/`-cloud` source suffix is set aside first, as
 * Ollama's `modelref.ParseRef` does.
 */
export function modelNameProblem(raw: string): 'required' | 'invalid' | undefined {
  let s = raw.trim();
  if (s === '') return 'required';
  const colon = s.lastIndexOf(':');
  if (colon >= 0) {
    const suffixRaw = s.slice(colon + 1).trim();
    const suffix = suffixRaw.toLowerCase();
    if (suffix === 'cloud' || suffix === 'local') s = s.slice(0, colon);
    else if (!suffixRaw.includes('/') && suffix.endsWith('-cloud'))
      s = s.slice(0, colon + 1) + suffixRaw.slice(0, -'-cloud'.length);
  }
  // ParseNameBare: tag after the last ':' (when it follows the last '/'), then model, namespace, host.
  let tag = '';
  let namespace = '';
  let host = '';
  if (s.lastIndexOf(':') > s.lastIndexOf('/')) [s, tag] = cutPromised(s, ':') ?? [s, ''];
  let model = s;
  const m = cutPromised(s, '/');
  if (m) {
    [s, model] = m;
    const n = cutPromised(s, '/');
    if (!n) namespace = s;
    else {
      [s, namespace] = n;
      const scheme = s.indexOf('://');
      host = scheme >= 0 ? s.slice(scheme + 3) : s;
    }
  }
  // Merge with DefaultName: empty parts take registry.ollama.ai / library / latest.
  const valid =
    isValidPart('host', host || 'registry.ollama.ai') &&
    isValidPart('namespace', namespace || 'library') &&
    isValidPart('model', model) &&
    isValidPart('tag', tag || 'latest');
  return valid ? undefined : 'invalid';
}

/** `registry.ollama.ai/library/llama3.2:latest`: the form capability errors use (§2.10). */
export function fullModelName(canonical: string): string {
  return canonical.includes('/')
    ? `registry.ollama.ai/${canonical}`
    : `registry.ollama.ai/library/${canonical}`;
}

/** A spec for a name that is not a preset: capabilities guessed from well-known family names. */
function guessSpec(name: string): ModelSpec {
  const base = name.split(':')[0] ?? name;
  const embedding = /embed|minilm|bge|e5-/.test(base);
  const thinking = /qwen3|deepseek-r1|gpt-oss|magistral|phi4-reasoning/.test(base);
  const vision = /llava|vision|-vl|gemma3|moondream|bakllava/.test(base);
  const caps = embedding
    ? ['embedding']
    : ['completion', 'tools', ...(thinking ? ['thinking'] : []), ...(vision ? ['vision'] : [])];
  return {
    name,
    family: base.replace(/[^a-z]+.*$/, '') || 'llama',
    families: [base.replace(/[^a-z]+.*$/, '') || 'llama'],
    parameterSize: embedding ? '137M' : '7B',
    quantization: embedding ? 'F16' : 'Q4_K_M',
    sizeBytes: embedding ? 274_302_450 : 4_683_087_332,
    capabilities: caps,
    contextLength: embedding ? 2048 : 32_768,
    embeddingLength: embedding ? 768 : 4096,
  };
}

/** Resolves the `models` option: names (presets or guessed) and full specs may be mixed. */
export function buildCatalog(models: ReadonlyArray<string | ModelSpec>): Map<string, InstalledModel> {
  const catalog = new Map<string, InstalledModel>();
  // Newest first in /api/tags: give each model a modified_at one hour older than the previous one.
  const newest = Date.UTC(2025, 9, 20, 12, 0, 0);
  models.forEach((m, i) => {
    const spec = typeof m === 'string' ? specFor(m) : { ...m, name: normalizeModelName(m.name) };
    const digest = createHash('sha256').update(`corral-sim:${spec.name}`).digest('hex');
    const modifiedAt = new Date(newest - i * 3_600_000).toISOString().replace('Z', '123456Z');
    const isEmbeddingOnly =
      spec.capabilities.includes('embedding') && !spec.capabilities.includes('completion');
    catalog.set(spec.name, { ...spec, digest, modifiedAt, isEmbeddingOnly });
  });
  return catalog;
}

function specFor(name: string): ModelSpec {
  const canonical = normalizeModelName(name);
  const preset = presets.find((p) => p.name === canonical);
  return preset ? { ...preset } : guessSpec(canonical);
}

export function modelDetails(m: InstalledModel): NativeTagEntry['details'] {
  return {
    parent_model: '',
    format: 'gguf',
    family: m.family,
    families: m.families,
    parameter_size: m.parameterSize,
    quantization_level: m.quantization,
  };
}

export function tagEntry(m: InstalledModel): NativeTagEntry {
  return {
    name: m.name,
    model: m.name,
    modified_at: m.modifiedAt,
    size: m.sizeBytes,
    digest: m.digest,
    details: modelDetails(m),
    capabilities: m.capabilities,
  };
}

/** `/api/show` body (§2.5): enough for clients that read details, model_info and capabilities. */
export function showResponse(m: InstalledModel): Record<string, unknown> {
  const arch = m.family;
  return {
    license: 'Emulated model: no license.',
    modelfile: `# Modelfile generated by corral sim\nFROM ${m.name}\n`,
    parameters: m.isEmbeddingOnly ? '' : 'stop                           "<|eot_id|>"',
    template: m.isEmbeddingOnly ? '' : '{{ .Prompt }}',
    details: modelDetails(m),
    model_info: {
      'general.architecture': arch,
      'general.parameter_count': parameterCount(m.parameterSize),
      [`${arch}.context_length`]: m.contextLength,
      [`${arch}.embedding_length`]: m.embeddingLength,
    },
    capabilities: m.capabilities,
    modified_at: m.modifiedAt,
  };
}

function parameterCount(size: string): number {
  const n = Number.parseFloat(size);
  const unit = size.slice(-1);
  return Math.round(n * (unit === 'B' ? 1e9 : unit === 'M' ? 1e6 : 1));
}
