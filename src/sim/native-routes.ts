import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NativeChatChunk, NativeErrorLine } from './contract.js';
import type { SimControl, SimEndpoint } from './control.js';
import type { SimEngine } from './engine.js';
import { bindRequest } from './go-types.js';
import type { GoType } from './go-types.js';
import {
  clientSignal,
  flatHeaders,
  readBody,
  sendBody,
  sendError,
  sendJson,
  streamNdjson,
} from './http-io.js';
import { parseJsonBody } from './json-decode.js';
import { invalidModelName, modelNameProblem, normalizeModelName, showResponse } from './model-catalog.js';
import { aggregateChat, aggregateGenerate, isErrorLine } from './native-chunks.js';
import type { NativeGenerateChunk } from './native-chunks.js';
import type { ChatInput, GenerateInput } from './request-plan.js';
import {
  chatRequestType,
  embeddingRequestType,
  embedRequestType,
  generateRequestType,
  showRequestType,
} from './request-schemas.js';

/** Handlers of Ollama's native endpoints (§2), on plain node:http. */

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Body → Go-bound request object, or the 400 text Ollama would send (§1, §3.2). */
async function decode(
  req: IncomingMessage,
  type: Extract<GoType, { kind: 'struct' }>,
  received?: { control: SimControl; endpoint: SimEndpoint },
): Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; error: string }> {
  const body = await readBody(req);
  if (body.length === 0) return { ok: false, error: 'missing request body' };
  const parsed = parseJsonBody(body);
  if (!parsed.ok) return { ok: false, error: parsed.empty ? 'missing request body' : parsed.error };
  const bound = bindRequest(parsed.value, type);
  if (bound.ok && received?.control.wants('request_received')) {
    const model = bound.value.model;
    received.control.emit({
      type: 'request_received',
      endpoint: received.endpoint,
      model: typeof model === 'string' ? model : '',
      body: structuredClone(bound.value),
      json: structuredClone(parsed.value),
      headers: flatHeaders(req),
    });
  }
  return bound;
}

/** `stream:false`: collect everything; a failure anywhere discards the partial output (§2.2). */
async function collect<T extends object>(
  chunks: AsyncIterable<T | NativeErrorLine>,
): Promise<{ ok: true; chunks: T[] } | { ok: false; error: string }> {
  const all: T[] = [];
  for await (const c of chunks) {
    if (isErrorLine(c)) return { ok: false, error: c.error };
    all.push(c as T);
  }
  return { ok: true, chunks: all };
}

export function nativeRoutes(
  engine: SimEngine,
  version: string,
): Map<string, Partial<Record<string, Handler>>> {
  const running: Handler = (_req, res) =>
    sendBody(res, 200, 'text/plain; charset=utf-8', 'Ollama is running');
  const versionBody = JSON.stringify({ version });
  const tagsBody = JSON.stringify({ models: engine.tags() });
  const versionHandler: Handler = (_req, res) =>
    sendBody(res, 200, 'application/json; charset=utf-8', versionBody);
  const tagsHandler: Handler = (_req, res) => sendBody(res, 200, 'application/json; charset=utf-8', tagsBody);

  const chat: Handler = async (req, res) => {
    const signal = clientSignal(res);
    const d = await decode(req, chatRequestType, { control: engine.control, endpoint: 'chat' });
    if (!d.ok) return sendError(res, 400, d.error);
    const body = d.value as unknown as ChatInput;
    body.model ??= '';
    body.messages ??= [];
    const run = await engine.chat(body, { signal, headers: flatHeaders(req) });
    const streaming = body.messages.length > 0 && body.stream !== false;
    // Errors of the streaming path are bare application/json only when the reply would have streamed (§1).
    if (!run.ok)
      return sendError(res, run.status, run.error, streaming && 'plainJson' in run && run.plainJson === true);
    if (!streaming) {
      const all = await collect<NativeChatChunk>(run.chunks);
      if (!all.ok) return sendError(res, 500, all.error);
      const out = aggregateChat(all.chunks);
      if (!res.destroyed && out) sendJson(res, 200, out);
      return;
    }
    await streamNdjson(res, run.chunks);
  };

  const generate: Handler = async (req, res) => {
    const signal = clientSignal(res);
    const d = await decode(req, generateRequestType, { control: engine.control, endpoint: 'generate' });
    if (!d.ok) return sendError(res, 400, d.error);
    const body = d.value as unknown as GenerateInput & { stream?: boolean };
    const run = await engine.generate(body, { signal, headers: flatHeaders(req) });
    const streaming = Boolean(body.prompt) && body.stream !== false;
    if (!run.ok) return sendError(res, run.status, run.error, streaming && run.plainJson === true);
    if (!streaming) {
      const all = await collect<NativeGenerateChunk>(run.chunks);
      if (!all.ok) return sendError(res, 500, all.error);
      const out = aggregateGenerate(all.chunks);
      if (!res.destroyed && out) sendJson(res, 200, out);
      return;
    }
    await streamNdjson(res, run.chunks);
  };

  const embed: Handler = async (req, res) => {
    const signal = clientSignal(res);
    const d = await decode(req, embedRequestType, { control: engine.control, endpoint: 'embed' });
    if (!d.ok) return sendError(res, 400, d.error);
    const v = d.value;
    const model = typeof v.model === 'string' ? v.model : '';
    const problem = modelNameProblem(model);
    if (problem === 'required') return sendError(res, 404, `model '${model}' not found`);
    if (problem === 'invalid') return sendError(res, 400, invalidModelName);
    // `input` is a string or an array of strings; anything else is rejected (§2.4).
    let input: string[];
    if (v.input === undefined || v.input === '') input = [];
    else if (typeof v.input === 'string') input = [v.input];
    else if (Array.isArray(v.input) && v.input.every((x) => typeof x === 'string'))
      input = v.input as string[];
    else return sendError(res, 400, 'invalid input type');
    const r = await engine.embedVectors(
      {
        model,
        input,
        truncate: v.truncate as boolean | undefined,
        dimensions: v.dimensions as number | undefined,
        keep_alive: v.keep_alive as number | string | undefined,
        options: v.options as Record<string, unknown> | undefined,
      },
      { signal, headers: flatHeaders(req) },
      true,
    );
    if (!r.ok) return sendError(res, r.status, r.error);
    const out: Record<string, unknown> = { model: r.model, embeddings: r.embeddings };
    if (r.total_duration > 0) out.total_duration = r.total_duration;
    if (r.load_duration > 0) out.load_duration = r.load_duration;
    if (r.prompt_eval_count > 0) out.prompt_eval_count = r.prompt_eval_count;
    if (!res.destroyed) sendJson(res, 200, out);
  };

  const embeddings: Handler = async (req, res) => {
    const signal = clientSignal(res);
    const d = await decode(req, embeddingRequestType, { control: engine.control, endpoint: 'embeddings' });
    if (!d.ok) return sendError(res, 400, d.error);
    const v = d.value;
    const model = typeof v.model === 'string' ? v.model : '';
    const problem = modelNameProblem(model);
    if (problem === 'required') return sendError(res, 400, 'model is required');
    if (problem === 'invalid') return sendError(res, 400, invalidModelName);
    const prompt = typeof v.prompt === 'string' ? v.prompt : '';
    const r = await engine.embedVectors(
      {
        model,
        input: prompt === '' ? [] : [prompt],
        keep_alive: v.keep_alive as number | string | undefined,
        options: v.options as Record<string, unknown> | undefined,
      },
      { signal, headers: flatHeaders(req) },
      false,
    );
    if (!r.ok) return sendError(res, r.status, r.error);
    if (!res.destroyed) sendJson(res, 200, { embedding: r.embeddings[0] ?? [] });
  };

  const show: Handler = async (req, res) => {
    const d = await decode(req, showRequestType);
    if (!d.ok) return sendError(res, 400, d.error);
    const name = (d.value.model as string | undefined) || (d.value.name as string | undefined) || '';
    const problem = modelNameProblem(name);
    if (problem === 'required') return sendError(res, 400, 'model is required');
    if (problem === 'invalid') return sendError(res, 400, invalidModelName);
    const m = engine.find(name);
    if (!m) return sendError(res, 404, `model '${normalizeModelName(name)}' not found`);
    sendJson(res, 200, showResponse(m));
  };

  return new Map<string, Partial<Record<string, Handler>>>([
    ['/', { GET: running, HEAD: running }],
    ['/api/version', { GET: versionHandler, HEAD: versionHandler }],
    ['/api/tags', { GET: tagsHandler, HEAD: tagsHandler }],
    ['/api/ps', { GET: (_req, res) => sendJson(res, 200, { models: engine.ps() }) }],
    [
      '/api/status',
      { GET: (_req, res) => sendJson(res, 200, { cloud: { disabled: false, source: 'none' } }) },
    ],
    ['/api/show', { POST: show }],
    ['/api/chat', { POST: chat }],
    ['/api/generate', { POST: generate }],
    ['/api/embed', { POST: embed }],
    ['/api/embeddings', { POST: embeddings }],
  ]);
}
