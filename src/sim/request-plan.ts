import type { NativeChatRequest } from './contract.js';
import { parseKeepAlive } from './duration.js';
import { countTokens, hashString } from './generate-text.js';
import { fullModelName, normalizeModelName } from './model-catalog.js';
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
}

export interface GenPlan {
  endpoint: 'chat' | 'generate';
  model: InstalledModel;
  /** The model string exactly as sent; echoed in every chunk (§2.2). */
  modelAsSent: string;
  load: LoadOptions;
  keepAliveMs: number | undefined;
  promptTokens: number;
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

/** Resolved load-time options (§2.7): a different key forces a reload (§4.5). */
export function loadOptionsFor(
  model: InstalledModel,
  options: Record<string, unknown> | undefined,
  defaultCtx: number,
): LoadOptions {
  const o = options ?? {};
  const requested = typeof o.num_ctx === 'number' ? Math.floor(o.num_ctx) : defaultCtx;
  let numCtx = Math.max(4, Math.min(requested, model.contextLength));
  if (model.capabilities.includes('vision')) numCtx = Math.max(numCtx, 2048);
  // num_gpu is left out: -1 means "don't care", and the emulator has no GPUs to place layers on.
  const key = [
    numCtx,
    o.num_batch ?? 512,
    o.main_gpu ?? '',
    o.use_mmap ?? '',
    o.num_thread ?? 0,
    o.draft_num_predict ?? 4,
  ].join('|');
  return { key, numCtx };
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

/** Checks shared by chat and generate up to the model lookup and keep_alive. */
function common(
  modelAsSent: string,
  topLogprobs: number | undefined,
  keepAlive: unknown,
  catalog: Catalog,
): Common | PlanResult {
  if (topLogprobs !== undefined && (topLogprobs < 0 || topLogprobs > 20))
    return err(400, 'top_logprobs must be between 0 and 20');
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
  promptTokens: number;
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
  const plan: GenPlan = {
    endpoint: r.endpoint,
    model: r.c.model,
    modelAsSent: r.modelAsSent,
    load: loadOptionsFor(r.c.model, r.options, r.settings.contextLength),
    keepAliveMs: r.c.keepAliveMs,
    promptTokens: r.promptTokens,
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
  if (modelAsSent.trim() === '') return err(400, 'model is required');
  const c = common(modelAsSent, req.top_logprobs, req.keep_alive, catalog);
  if ('type' in c) return c;
  const messages = req.messages ?? [];
  if (messages.length === 0 && c.keepAliveMs === 0) return { type: 'unload', model: c.model };
  if (c.model.isEmbeddingOnly) return err(400, `${JSON.stringify(modelAsSent)} does not support chat`);
  if (req.tools && req.tools.length > 0 && !c.model.capabilities.includes('tools')) {
    return err(400, `${fullModelName(c.model.name)} does not support tools`);
  }
  const think = checkThink(req.think, c.model, modelAsSent);
  if (typeof think === 'object') return think;
  const formatError = checkFormat(req.format);
  if (formatError && messages.length > 0) return err(500, formatError, true);
  let promptTokens = req.tools ? Math.ceil(JSON.stringify(req.tools).length / 4) : 0;
  let promptHash = hashString(c.model.name);
  let lastUserText = '';
  for (const m of messages) {
    const content = m.content ?? '';
    promptTokens += countTokens(content) + 4 + (m.images?.length ?? 0);
    promptHash = hashString(content, promptHash);
    if ((m.role ?? '').toLowerCase() === 'user') lastUserText = content;
  }
  return finishPlan(
    {
      modelAsSent,
      endpoint: 'chat',
      c,
      think,
      options: req.options,
      format: req.format,
      promptTokens,
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
  if (modelAsSent.trim() === '') return err(404, "model '' not found");
  if (req.raw && (req.template || req.system || (req.context && req.context.length > 0))) {
    return err(400, 'raw mode does not support template, system, or context');
  }
  const c = common(modelAsSent, req.top_logprobs, req.keep_alive, catalog);
  if ('type' in c) return c;
  const prompt = req.prompt ?? '';
  if (prompt === '' && c.keepAliveMs === 0) return { type: 'unload', model: c.model };
  if (c.model.isEmbeddingOnly) return err(400, `${JSON.stringify(modelAsSent)} does not support generate`);
  if (req.suffix && !c.model.capabilities.includes('insert'))
    return err(400, `${fullModelName(c.model.name)} does not support insert`);
  const think = checkThink(req.think, c.model, modelAsSent);
  if (typeof think === 'object') return think;
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
      promptTokens,
      promptHash,
      lastUserText: prompt,
      raw: req.raw === true,
      headers,
      settings,
    },
    prompt === '',
  );
}
