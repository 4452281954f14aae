import type { ServerResponse } from 'node:http';
import type { NativeRunner } from '../contract.js';
import { decodeMessagesRequest, relaxThinking } from './anthropic-request.js';
import { AnthropicStreamEncoder, toAnthropicMessage } from './anthropic-response.js';
import { anthropicErrorBody, newAnthropicId, newChatCompletionId, openAiErrorBody } from './errors.js';
import { decodeGoJson } from './go-json.js';
import { collectNativeRun } from './native-chunks.js';
import { decodeChatCompletionRequest } from './openai-request.js';
import { OpenAiStreamEncoder, toChatCompletion } from './openai-response.js';
import { decodeEmbeddingsRequest, listModels, retrieveModel, toEmbeddingList } from './openai-models.js';
import { sendJson, sendMethodNotAllowed } from './reply.js';
import { ANTHROPIC_SSE_HEADERS, OPENAI_SSE_HEADERS, pipeFrames } from './sse.js';

/** An incoming request as the emulator's HTTP layer hands it to the compatibility layers. */
export interface CompatHttpRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/messages`. */
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  body: Buffer;
  /** Aborts when the client disconnects. */
  signal: AbortSignal;
}

type Route =
  | { kind: 'chat' | 'embeddings' | 'messages'; method: 'POST' }
  | { kind: 'models'; method: 'GET' }
  | { kind: 'model'; method: 'GET'; id: string };

/** The /v1 routes Ollama registers (§5, §6); anything else is the caller's 404. */
function matchRoute(path: string): Route | undefined {
  if (path === '/v1/chat/completions') return { kind: 'chat', method: 'POST' };
  if (path === '/v1/embeddings') return { kind: 'embeddings', method: 'POST' };
  if (path === '/v1/messages') return { kind: 'messages', method: 'POST' };
  if (path === '/v1/models') return { kind: 'models', method: 'GET' };
  // gin's `:model` matches exactly one non-empty path segment.
  const m = /^\/v1\/models\/([^/]+)$/.exec(path);
  if (m?.[1] !== undefined) {
    let id = m[1];
    try {
      id = decodeURIComponent(id);
    } catch {
      // keep the raw segment
    }
    return { kind: 'model', method: 'GET', id };
  }
  return undefined;
}

/**
 * Serves Ollama's OpenAI (`/v1/chat/completions`, `/v1/models[/{id}]`, `/v1/embeddings`) and
 * Anthropic (`/v1/messages`) compatibility endpoints on top of the native engine.
 * Returns false when the path is not one of them (the caller then answers 404/405 itself).
 */
export async function handleCompat(
  req: CompatHttpRequest,
  res: ServerResponse,
  runner: NativeRunner,
): Promise<boolean> {
  const route = matchRoute(req.path);
  if (route === undefined) return false;
  if (req.method !== route.method) {
    sendMethodNotAllowed(res);
    return true;
  }
  const isAnthropic = route.kind === 'messages';
  try {
    switch (route.kind) {
      case 'chat':
        await serveChatCompletions(req, res, runner);
        break;
      case 'embeddings':
        await serveEmbeddings(req, res, runner);
        break;
      case 'messages':
        await serveMessages(req, res, runner);
        break;
      case 'models':
        sendJson(res, 200, listModels(runner.tags()));
        break;
      case 'model': {
        const found = retrieveModel(runner.tags(), route.id);
        if (found.ok) sendJson(res, 200, found.model);
        else sendJson(res, found.status, openAiErrorBody(found.status, found.message));
        break;
      }
    }
  } catch (err) {
    // An engine fault we did not expect: answer like Ollama's 500, in the protocol's shape.
    const message = err instanceof Error ? err.message : String(err);
    if (!res.headersSent)
      sendJson(res, 500, isAnthropic ? anthropicErrorBody(500, message) : openAiErrorBody(500, message));
    else if (!res.destroyed) res.end();
  }
  return true;
}

async function serveChatCompletions(
  req: CompatHttpRequest,
  res: ServerResponse,
  runner: NativeRunner,
): Promise<void> {
  const parsed = decodeGoJson(req.body);
  if (!parsed.ok) return sendJson(res, 400, openAiErrorBody(400, parsed.message));
  const decoded = decodeChatCompletionRequest(parsed.value);
  if (!decoded.ok) return sendJson(res, decoded.status, openAiErrorBody(decoded.status, decoded.message));
  const id = newChatCompletionId();
  const run = await runner.chat(decoded.native, { signal: req.signal, headers: req.headers });
  if (!run.ok) return sendJson(res, run.status, openAiErrorBody(run.status, run.error));
  if (decoded.stream) {
    const encoder = new OpenAiStreamEncoder({ id, includeUsage: decoded.includeUsage });
    return pipeFrames(res, run.chunks, encoder, req.signal, OPENAI_SSE_HEADERS);
  }
  const collected = await collectNativeRun(run.chunks, req.signal);
  if (!collected.ok)
    return sendJson(res, collected.status, openAiErrorBody(collected.status, collected.error));
  sendJson(res, 200, toChatCompletion(id, collected.response));
}

async function serveEmbeddings(
  req: CompatHttpRequest,
  res: ServerResponse,
  runner: NativeRunner,
): Promise<void> {
  const parsed = decodeGoJson(req.body);
  if (!parsed.ok) return sendJson(res, 400, openAiErrorBody(400, parsed.message));
  const decoded = decodeEmbeddingsRequest(parsed.value);
  if (!decoded.ok) return sendJson(res, decoded.status, openAiErrorBody(decoded.status, decoded.message));
  const result = await runner.embed(decoded.native, { signal: req.signal, headers: req.headers });
  if (!result.ok) return sendJson(res, result.status, openAiErrorBody(result.status, result.error));
  sendJson(
    res,
    200,
    toEmbeddingList(decoded.native.model, result.embeddings, result.prompt_eval_count, decoded.base64),
  );
}

async function serveMessages(
  req: CompatHttpRequest,
  res: ServerResponse,
  runner: NativeRunner,
): Promise<void> {
  const parsed = decodeGoJson(req.body);
  if (!parsed.ok) return sendJson(res, 400, anthropicErrorBody(400, parsed.message));
  const decoded = decodeMessagesRequest(parsed.value);
  if (!decoded.ok) return sendJson(res, decoded.status, anthropicErrorBody(decoded.status, decoded.message));
  const native = relaxThinking(decoded.native, runner.capabilities(decoded.model));
  const id = newAnthropicId('msg');
  const run = await runner.chat(native, { signal: req.signal, headers: req.headers });
  // Ollama sets the SSE headers before the native handler runs, so a streamed request's error
  // reply keeps Cache-Control and Connection beside its JSON content type.
  const errorHeaders = decoded.stream ? ANTHROPIC_SSE_HEADERS : {};
  if (!run.ok) return sendJson(res, run.status, anthropicErrorBody(run.status, run.error), errorHeaders);
  if (decoded.stream) {
    const encoder = new AnthropicStreamEncoder({
      id,
      model: decoded.model,
      estimatedInputTokens: decoded.estimatedInputTokens,
    });
    return pipeFrames(res, run.chunks, encoder, req.signal, ANTHROPIC_SSE_HEADERS);
  }
  const collected = await collectNativeRun(run.chunks, req.signal);
  if (!collected.ok)
    return sendJson(res, collected.status, anthropicErrorBody(collected.status, collected.error));
  sendJson(res, 200, toAnthropicMessage(id, collected.response));
}
