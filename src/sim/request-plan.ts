import type { NativeChatRequest } from './contract.js';
import { parseKeepAlive } from './duration.js';
import { countTokens, hashString } from './generate-text.js';
import { fullModelName, invalidModelName, modelNameProblem, normalizeModelName } from './model-catalog.js';
import type { InstalledModel } from './model-catalog.js';
import type { LoadOptions } from './model-scheduler.js';
import type { ResolvedOptions } from './options.js';
import { decodeThink } from './request-schemas.js';
import { parseScript, scriptHeader, stripDirectives } from './script.js';
import type { SimScript } from './script.js';

/**
 * Validation and planning of a chat/generate request, in Ollama's order of checks (§2.2, §2.3,
 * §2.10, §3.2). Pure: no scheduling, no I/O. The engine acts on the returned plan.
 */

/** `/api/chat` fields beyond the shared contract. */
export interface ChatInput extends NativeChatRequest {
  top_logprobs?: number;
  truncate?: boolean;
  shift?: boolean;
}

export interface GenerateInput {
  model?: string;
  prompt?: string;
  suffix?: string;
  system?: string;
  template?: string;
  context?: number[];
  raw?: boolean;
  images?: string[];
  format?: unknown;
  keep_alive?: number | string;
  options?: Record<string, unknown>;
  think?: boolean | string;
  top_logprobs?: number;
  truncate?: boolean;
  shift?: boolean;
}

export interface GenPlan {
  endpoint: 'chat' | 'generate';
  model: InstalledModel;
  /** The model string exactly as sent; echoed in every chunk (§2.2). */
  modelAsSent: string;
  load: LoadOptions;
  keepAliveMs: number | undefined;
  /** Prompt tokens as evaluated: after `truncate` dropped old messages and context shift cut the rest. */
  promptTokens: number;
  /**
   * Set when the prompt does not fit `num_ctx` and context shift is off: the request loads the
   * model and takes a slot like any other, then fails with this 400 before prompt evaluation.
   */
  contextError: string | undefined;
  /** Hash of the prompt: with the seeds it fixes the generated text. */
  promptHash: number;
  lastUserText: string;
  thinking: boolean;
  format: unknown;
  /** -1 = no limit. */
  numPredict: number;
  stop: string[];
  script: SimScript | undefined;
  /** `raw` generate requests have no `context` in the final chunk (§2.3). */
  raw: boolean;
}

export type PlanResult =
  | { type: 'error'; status: number; error: string; plainJson?: boolean }
  | { type: 'unload'; model: InstalledModel }
  | { type: 'load'; plan: GenPlan }
  | { type: 'generate'; plan: GenPlan };

export type Catalog = ReadonlyMap<string, InstalledModel>;
export type Headers = Record<string, string | undefined>;

const err = (status: number, error: string, plainJson?: boolean): PlanResult => ({
  type: 'error',
  status,
  error,
  plainJson,
});

/** Ollama's `supportsContextShift`: deepseek2-family models run without context shift. */
function supportsContextShift(model: InstalledModel): boolean {
  return model.family !== 'deepseek2' && !model.families.includes('deepseek2');
}

/**
 * Resolved load-time options (§2.7): a different key forces a reload (§4.5). `shift` is the
 * request's `shift` field: the runner's context-shift setting is part of what must match.
 */
export function loadOptionsFor(
  model: InstalledModel,
  options: Record<string, unknown> | undefined,
  defaultCtx: number,
  shift?: boolean,
): LoadOptions {
  const o = options ?? {};
  const requested = typeof o.num_ctx === 'number' ? Math.floor(o.num_ctx) : defaultCtx;
  let numCtx = Math.max(4, Math.min(requested, model.contextLength));
  if (model.capabilities.includes('vision')) numCtx = Math.max(numCtx, 2048);
  const contextShift = shift ?? supportsContextShift(model);
  // num_gpu is left out: -1 means "don't care", and the emulator has no GPUs to place layers on.
  const key = [
    numCtx,
    o.num_batch ?? 512,
    o.main_gpu ?? '',
    o.use_mmap ?? '',
    o.num_thread ?? 0,
    o.draft_num_predict ?? 4,
    contextShift ? 'shift' : 'noshift',
  ].join('|');
  return { key, numCtx, contextShift };
}

/** Go types of `api.Options` (with the embedded `api.Runner`), as `Options.FromMap` checks them. */
const optionTypes: Readonly<Record<string, 'integer' | 'float32' | 'boolean' | 'array'>> = {
  num_keep: 'integer',
  seed: 'integer',
  num_predict: 'integer',
  top_k: 'integer',
  top_p: 'float32',
  min_p: 'float32',
  typical_p: 'float32',
  repeat_last_n: 'integer',
  temperature: 'float32',
  repeat_penalty: 'float32',
  presence_penalty: 'float32',
  frequency_penalty: 'float32',
  stop: 'array',
  num_ctx: 'integer',
  num_batch: 'integer',
  num_gpu: 'integer',
  main_gpu: 'integer',
  use_mmap: 'boolean',
  num_thread: 'integer',
  draft_num_predict: 'integer',
};

/**
 * `Options.FromMap` (§2.7, §3.2): a known option of the wrong JSON type is an error that Ollama
 * answers with a 500, e.g. `option "temperature" must be of type float32`. Unknown keys and
 * `null` values are ignored; any JSON number fits an integer (it is truncated). Go walks the map
 * in random order, so with several bad options Ollama names any one of them; here the first in
 * request order.
 */
export function optionTypeError(options: Record<string, unknown> | undefined): string | undefined {
  for (const [key, value] of Object.entries(options ?? {})) {
    const type = Object.hasOwn(optionTypes, key) ? optionTypes[key] : undefined;
    if (type === undefined || value === null || value === undefined) continue;
    const ok =
      type === 'integer' || type === 'float32'
        ? typeof value === 'number'
        : type === 'boolean'
          ? typeof value === 'boolean'
          : Array.isArray(value);
    if (!ok) return `option ${JSON.stringify(key)} must be of type ${type}`;
    if (type === 'array' && !(value as unknown[]).every((v) => typeof v === 'string'))
      return `option ${JSON.stringify(key)} must be of an array of strings`;
  }
  return undefined;
}

export const promptTooLongError =
  'the prompt is longer than the context length currently available to the model; shorten the prompt, adjust the context length in settings, or use a model with a longer context length';

/** One message (or the whole generate prompt) as the context check sees it. */
interface PromptPart {
  tokens: number;
  system: boolean;
  images: boolean;
}

/**
 * What Ollama does with a prompt that does not fit `num_ctx` (§2.2 `truncate`/`shift`, §3.2).
 * With `truncate` (the default), chat drops the oldest messages until the prompt fits, keeping
 * system messages and always the last message. A prompt still longer than `num_ctx − 1` tokens
 * is then cut by context shift to `num_ctx − max((num_ctx − num_keep) / 2, 1)` tokens, or, when
 * the runner has no context shift (`shift: false`), fails with the 400 above. Prompts with images
 * and `truncate: false` are passed on whole.
 */
function fitContext(
  fixedTokens: number,
  parts: PromptPart[],
  truncate: boolean,
  load: LoadOptions,
  options: Record<string, unknown> | undefined,
): { promptTokens: number; error: string | undefined } {
  const { numCtx } = load;
  const sum = (ps: PromptPart[]): number => ps.reduce((a, p) => a + p.tokens, fixedTokens);
  let kept = parts;
  if (truncate) {
    for (let i = 0; i < parts.length; i++) {
      kept = [...parts.slice(0, i).filter((p) => p.system), ...parts.slice(i)];
      if (sum(kept) <= numCtx) break;
    }
  }
  const promptTokens = sum(kept);
  if (!truncate || kept.some((p) => p.images) || numCtx <= 1 || promptTokens <= numCtx - 1)
    return { promptTokens, error: undefined };
  if (!load.contextShift) return { promptTokens, error: promptTooLongError };
  const numKeepOption = options?.num_keep;
  let numKeep = typeof numKeepOption === 'number' ? Math.trunc(numKeepOption) : 4;
  if (numKeep < 0) numKeep = promptTokens;
  numKeep = Math.max(0, Math.min(numKeep, numCtx - 1));
  return { promptTokens: numCtx - Math.max(Math.floor((numCtx - numKeep) / 2), 1), error: undefined };
}

function checkFormat(format: unknown): string | undefined {
  if (format === undefined || format === null || format === '' || format === 'json') return undefined;
  if (typeof format === 'object' && !Array.isArray(format)) return undefined;
  return `invalid format: ${JSON.stringify(format)}; expected "json" or a valid JSON Schema object`;
}

function stopList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string' && s !== '') : [];
}

interface Common {
  model: InstalledModel;
  keepAliveMs: number | undefined;
}

/**
 * Checks shared by chat and generate up to the model lookup and keep_alive, in Ollama's order:
 * `top_logprobs`, then the model reference (empty → `emptyModel`, whose text and status differ
 * per endpoint; syntactically invalid → 400 `invalid model name`), then the lookup.
 */
function common(
  modelAsSent: string,
  emptyModel: PlanResult,
  topLogprobs: number | undefined,
  keepAlive: unknown,
  catalog: Catalog,
): Common | PlanResult {
  if (topLogprobs !== undefined && (topLogprobs < 0 || topLogprobs > 20))
    return err(400, 'top_logprobs must be between 0 and 20');
  const problem = modelNameProblem(modelAsSent);
  if (problem === 'required') return emptyModel;
  if (problem === 'invalid') return err(400, invalidModelName);
  const model = catalog.get(normalizeModelName(modelAsSent));
  if (!model) return err(404, `model '${modelAsSent}' not found`);
  let keepAliveMs: number | undefined;
  if (keepAlive !== undefined && keepAlive !== null) {
    const k = parseKeepAlive(keepAlive);
    if (!k.ok) return err(400, k.error);
    keepAliveMs = k.ms;
  }
  return { model, keepAliveMs };
}

function checkThink(
  think: unknown,
  model: InstalledModel,
  modelAsSent: string,
): PlanResult | boolean | undefined {
  if (think === undefined || think === null) return undefined;
  const decoded = decodeThink(think);
  if ('error' in decoded) return err(400, decoded.error);
  const on = decoded.value !== false;
  if (on && !model.capabilities.includes('thinking'))
    return err(400, `${JSON.stringify(modelAsSent)} does not support thinking`);
  return on;
}

interface Rest {
  modelAsSent: string;
  endpoint: 'chat' | 'generate';
  c: Common;
  think: boolean | undefined;
  options: Record<string, unknown> | undefined;
  format: unknown;
  /** Prompt tokens that no truncation removes (rendered tools). */
  fixedTokens: number;
  parts: PromptPart[];
  truncate: boolean | undefined;
  shift: boolean | undefined;
  promptHash: number;
  lastUserText: string;
  raw: boolean;
  headers: Headers;
  settings: ResolvedOptions;
}

function finishPlan(r: Rest, isLoadOnly: boolean): PlanResult {
  const scriptText = r.lastUserText;
  const parsed = parseScript(scriptText, r.headers[scriptHeader]);
  if (!parsed.ok) return err(400, parsed.error);
  const script = parsed.script;
  const o = r.options ?? {};
  const load = loadOptionsFor(r.c.model, r.options, r.settings.contextLength, r.shift);
  const fit = fitContext(r.fixedTokens, r.parts, r.truncate !== false, load, r.options);
  const plan: GenPlan = {
    endpoint: r.endpoint,
    model: r.c.model,
    modelAsSent: r.modelAsSent,
    load,
    keepAliveMs: r.c.keepAliveMs,
    promptTokens: fit.promptTokens,
    contextError: fit.error,
    promptHash: hashString(
      String(typeof o.seed === 'number' && o.seed >= 0 ? o.seed : r.settings.seed),
      r.promptHash,
    ),
    lastUserText: script ? stripDirectives(scriptText) : scriptText,
    thinking: script?.think !== undefined || (r.think ?? r.c.model.capabilities.includes('thinking')),
    format: r.format,
    numPredict: typeof o.num_predict === 'number' ? Math.floor(o.num_predict) : -1,
    stop: stopList(o.stop),
    script,
    raw: r.raw,
  };
  return { type: isLoadOnly ? 'load' : 'generate', plan };
}

export function planChat(
  req: ChatInput,
  headers: Headers,
  catalog: Catalog,
  settings: ResolvedOptions,
): PlanResult {
  const modelAsSent = req.model ?? '';
  const c = common(modelAsSent, err(400, 'model is required'), req.top_logprobs, req.keep_alive, catalog);
  if ('type' in c) return c;
  const messages = req.messages ?? [];
  if (messages.length === 0 && c.keepAliveMs === 0) return { type: 'unload', model: c.model };
  if (c.model.isEmbeddingOnly) return err(400, `${JSON.stringify(modelAsSent)} does not support chat`);
  if (req.tools && req.tools.length > 0 && !c.model.capabilities.includes('tools')) {
    return err(400, `${fullModelName(c.model.name)} does not support tools`);
  }
  const think = checkThink(req.think, c.model, modelAsSent);
  if (typeof think === 'object') return think;
  // Options are read when the runner is scheduled: after the capability checks, before the load.
  const optionError = optionTypeError(req.options);
  if (optionError) return err(500, optionError);
  const formatError = checkFormat(req.format);
  if (formatError && messages.length > 0) return err(500, formatError, true);
  const fixedTokens = req.tools ? Math.ceil(JSON.stringify(req.tools).length / 4) : 0;
  const parts: PromptPart[] = [];
  let promptHash = hashString(c.model.name);
  let lastUserText = '';
  for (const m of messages) {
    const content = m.content ?? '';
    const images = m.images?.length ?? 0;
    const role = (m.role ?? '').toLowerCase();
    parts.push({ tokens: countTokens(content) + 4 + images, system: role === 'system', images: images > 0 });
    promptHash = hashString(content, promptHash);
    if (role === 'user') lastUserText = content;
  }
  return finishPlan(
    {
      modelAsSent,
      endpoint: 'chat',
      c,
      think,
      options: req.options,
      format: req.format,
      fixedTokens,
      parts,
      truncate: req.truncate,
      shift: req.shift,
      promptHash,
      lastUserText,
      raw: false,
      headers,
      settings,
    },
    messages.length === 0,
  );
}

export function planGenerate(
  req: GenerateInput,
  headers: Headers,
  catalog: Catalog,
  settings: ResolvedOptions,
): PlanResult {
  const modelAsSent = req.model ?? '';
  const emptyModel = err(404, `model '${modelAsSent}' not found`);
  const c = common(modelAsSent, emptyModel, req.top_logprobs, req.keep_alive, catalog);
  if ('type' in c) return c;
  const prompt = req.prompt ?? '';
  if (prompt === '' && c.keepAliveMs === 0) return { type: 'unload', model: c.model };
  if (req.raw && (req.template || req.system || (req.context && req.context.length > 0))) {
    return err(400, 'raw mode does not support template, system, or context');
  }
  if (c.model.isEmbeddingOnly) return err(400, `${JSON.stringify(modelAsSent)} does not support generate`);
  if (req.suffix && !c.model.capabilities.includes('insert'))
    return err(400, `${fullModelName(c.model.name)} does not support insert`);
  const think = checkThink(req.think, c.model, modelAsSent);
  if (typeof think === 'object') return think;
  const optionError = optionTypeError(req.options);
  if (optionError) return err(500, optionError);
  const formatError = checkFormat(req.format);
  if (formatError && prompt !== '') return err(500, formatError, true);
  const promptTokens =
    countTokens(prompt) +
    countTokens(req.system ?? '') +
    countTokens(req.suffix ?? '') +
    4 +
    (req.context?.length ?? 0);
  const promptHash = hashString(prompt, hashString(req.system ?? '', hashString(c.model.name)));
  return finishPlan(
    {
      modelAsSent,
      endpoint: 'generate',
      c,
      think,
      options: req.options,
      format: req.format,
      // System and prompt render into one user turn that truncation never drops (§2.3).
      fixedTokens: 0,
      parts: [{ tokens: promptTokens, system: false, images: (req.images?.length ?? 0) > 0 }],
      truncate: req.truncate,
      shift: req.shift,
      promptHash,
      lastUserText: prompt,
      raw: req.raw === true,
      headers,
      settings,
    },
    prompt === '',
  );
}
