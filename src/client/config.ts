/**
 * Provider selection from the seed's config section:
 *
 * ```yaml
 * api:
 *   provider: corral        # anthropic | ollama | corral
 *   model: claude-sonnet-4-5
 *   ollama_url: http://localhost:11434
 *   ollama_model: llama3.2  # also the model a Corral gateway is asked for
 *   corral_url: http://127.0.0.1:11435
 *   api_key: …              # Anthropic key, or a Corral key when the gateway checks keys
 *   ollama_parallel: 1      # provider ollama: requests the in-process queue runs at once
 *   queue_max_wait_ms: 60000  # provider ollama: longest wait for a slot (default: no limit)
 * ```
 *
 * Loaded from a YAML file, then a local override file (the seed's `config.local.yml`), then
 * environment variables (`API_PROVIDER`, `API_MODEL`, `API_OLLAMA_URL`, `API_OLLAMA_MODEL`,
 * `API_CORRAL_URL`, `API_KEY`, `API_MAX_TOKENS`, `API_OLLAMA_PARALLEL`, `API_QUEUE_MAX_WAIT_MS`);
 * later sources win, empty values count as unset.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CorralError } from '../core/errors.js';
import { AnthropicBridge } from './anthropic-bridge.js';
import { CorralBridge } from './corral-bridge.js';
import { OllamaBridge } from './ollama-bridge.js';
import type { RequestQueue } from './request-queue.js';
import type { LLMBridge } from './types.js';

const ApiSection = z
  .object({
    provider: z.enum(['anthropic', 'ollama', 'corral']).default('anthropic'),
    model: z.string().min(1).default('claude-sonnet-4-5'),
    ollama_url: z.url().default('http://localhost:11434'),
    ollama_model: z.string().min(1).default('llama3.2'),
    corral_url: z.url().default('http://127.0.0.1:11435'),
    api_key: z.string().min(1).optional(),
    max_tokens: z.coerce.number().int().positive().optional(),
    /** Slots of the in-process queue (Ollama's `OLLAMA_NUM_PARALLEL`); default 1. */
    ollama_parallel: z.coerce.number().int().positive().optional(),
    /** Longest wait for a slot of the in-process queue before a `timeout` error; default none. */
    queue_max_wait_ms: z.coerce.number().int().positive().optional(),
  })
  .strict();

/** The `api` section after defaults, in the seed's field names. */
export type BridgeConfig = z.infer<typeof ApiSection>;

/** Where `loadBridgeConfig` reads from; every source is optional. */
export interface LoadBridgeConfigOptions {
  /** The main YAML file (must exist when given). */
  file?: string;
  /** A local override file, read only if it exists (the seed's `config.local.yml`). */
  overrideFile?: string;
  /** Environment variables, usually `process.env`; nothing is read unless passed. */
  env?: Record<string, string | undefined>;
}

const ENV_KEYS: Record<string, keyof BridgeConfig> = {
  API_PROVIDER: 'provider',
  API_MODEL: 'model',
  API_OLLAMA_URL: 'ollama_url',
  API_OLLAMA_MODEL: 'ollama_model',
  API_CORRAL_URL: 'corral_url',
  API_KEY: 'api_key',
  API_MAX_TOKENS: 'max_tokens',
  API_OLLAMA_PARALLEL: 'ollama_parallel',
  API_QUEUE_MAX_WAIT_MS: 'queue_max_wait_ms',
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function readApiSection(path: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8')) as unknown;
  } catch (cause) {
    throw new CorralError('invalid_request', `cannot read config file ${path}`, { cause });
  }
  if (doc === null || doc === undefined) return {};
  if (!isRecord(doc) || (doc['api'] !== undefined && !isRecord(doc['api'])))
    throw new CorralError('invalid_request', `${path}: expected a mapping with an "api" section`);
  const api = doc['api'] ?? {};
  return isRecord(api) ? api : {};
}

/** Validates an `api` section (seed field names) and fills in defaults. */
export function parseBridgeConfig(api: unknown, source = 'config'): BridgeConfig {
  const result = ApiSection.safeParse(api ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `api.${issue.path.join('.') || '(root)'}: ${issue.message}`,
  );
  throw new CorralError('invalid_request', `invalid ${source}: ${problems.join('; ')}`);
}

/** Reads file < override file < environment into one validated `BridgeConfig`. */
export function loadBridgeConfig(options: LoadBridgeConfigOptions = {}): BridgeConfig {
  const merged: Record<string, unknown> = {};
  const sources: string[] = [];
  if (options.file !== undefined) {
    Object.assign(merged, readApiSection(options.file));
    sources.push(options.file);
  }
  if (options.overrideFile !== undefined && existsSync(options.overrideFile)) {
    Object.assign(merged, readApiSection(options.overrideFile));
    sources.push(options.overrideFile);
  }
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = options.env?.[name];
    if (value !== undefined && value !== '') {
      merged[key] = value;
      sources.push(name);
    }
  }
  return parseBridgeConfig(merged, sources.length === 0 ? 'defaults' : sources.join(' < '));
}

/** Extra wiring `createBridge` cannot read from config. */
export interface CreateBridgeOptions {
  /**
   * A queue to share between Ollama bridges (default: one per bridge, built from
   * `ollama_parallel` and `queue_max_wait_ms`, which a given queue's own settings replace).
   */
  queue?: RequestQueue;
  /** Headers for every request to a Corral gateway (`x-corral-user`, `x-corral-priority`). */
  headers?: Record<string, string>;
}

/**
 * The bridge the config names. Accepts a `BridgeConfig`, or a whole seed-shaped config object
 * with an `api` section (validated here).
 */
export function createBridge(
  config: BridgeConfig | { api: unknown },
  options: CreateBridgeOptions = {},
): LLMBridge {
  const api = 'api' in config ? parseBridgeConfig(config.api) : config;
  const maxTokens = api.max_tokens === undefined ? {} : { maxTokens: api.max_tokens };
  const apiKey = api.api_key === undefined ? {} : { apiKey: api.api_key };
  switch (api.provider) {
    case 'corral':
      return new CorralBridge({
        url: api.corral_url,
        model: api.ollama_model,
        ...apiKey,
        ...maxTokens,
        ...(options.headers ? { headers: options.headers } : {}),
      });
    case 'ollama':
      return new OllamaBridge({
        url: api.ollama_url,
        model: api.ollama_model,
        ...maxTokens,
        ...(options.queue
          ? { queue: options.queue }
          : {
              queueOptions: {
                ...(api.ollama_parallel === undefined ? {} : { concurrency: api.ollama_parallel }),
                ...(api.queue_max_wait_ms === undefined ? {} : { maxWaitMs: api.queue_max_wait_ms }),
              },
            }),
      });
    case 'anthropic':
      return new AnthropicBridge({ model: api.model, ...apiKey, ...maxTokens });
  }
}
