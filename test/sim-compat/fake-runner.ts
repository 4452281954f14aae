import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  NativeChatChunk,
  NativeChatRequest,
  NativeEmbedRequest,
  NativeEmbedResult,
  NativeErrorLine,
  NativeRun,
  NativeRunner,
  NativeTagEntry,
} from '../../src/sim/contract.js';
import { handleCompat } from '../../src/sim/compat/index.js';

/**
 * A test-local NativeRunner behind a plain node:http server, so the compat layers can be driven
 * by the official SDKs with exact control over the native chunks (the engine's own behaviour is
 * tested with createEmulator elsewhere). Each test sets `reply` to decide what a chat returns.
 */

export type Item = NativeChatChunk | NativeErrorLine;

export function chunk(
  message: Partial<NativeChatChunk['message']>,
  extra: Partial<NativeChatChunk> = {},
): NativeChatChunk {
  return {
    model: 'qwen3:0.6b',
    created_at: new Date().toISOString(),
    message: { role: 'assistant', content: '', ...message },
    done: false,
    ...extra,
  };
}

export function final(message: Partial<NativeChatChunk['message']> = {}, reason = 'stop'): NativeChatChunk {
  return chunk(message, {
    done: true,
    done_reason: reason,
    prompt_eval_count: 12,
    eval_count: 4,
    total_duration: 1000,
  });
}

async function* fromArray(items: Item[]): AsyncGenerator<Item> {
  for (const item of items) yield item;
}

/**
 * An iterable that yields `first`, then waits until `return()` is called: lets a test observe
 * that a client disconnect stops the read.
 */
export function pendingAfter(first: Item[]): { chunks: AsyncIterable<Item>; returned: Promise<void> } {
  let markReturned: () => void = () => undefined;
  const returned = new Promise<void>((resolve) => {
    markReturned = resolve;
  });
  let i = 0;
  let wake: ((r: IteratorResult<Item>) => void) | undefined;
  const iterator: AsyncIterator<Item> = {
    next: () => {
      const item = first[i++];
      if (item !== undefined) return Promise.resolve({ done: false, value: item });
      return new Promise((resolve) => {
        wake = resolve;
      });
    },
    return: () => {
      markReturned();
      wake?.({ done: true, value: undefined });
      return Promise.resolve({ done: true, value: undefined });
    },
  };
  return { chunks: { [Symbol.asyncIterator]: () => iterator }, returned };
}

export interface FakeCall {
  req: NativeChatRequest;
  headers: Record<string, string | undefined>;
}

export class FakeRunner implements NativeRunner {
  readonly calls: FakeCall[] = [];
  readonly embedCalls: NativeEmbedRequest[] = [];
  reply: (req: NativeChatRequest) => NativeRun | Item[] = () => [final({ content: 'Hello!' })];
  models: NativeTagEntry[] = [
    tagEntry('qwen3:0.6b', ['completion', 'tools', 'thinking']),
    tagEntry('llama3.2:latest', ['completion', 'tools']),
  ];

  chat(
    req: NativeChatRequest,
    ctx: { signal: AbortSignal; headers: Record<string, string | undefined> },
  ): Promise<NativeRun> {
    this.calls.push({ req, headers: ctx.headers });
    const r = this.reply(req);
    return Promise.resolve(Array.isArray(r) ? { ok: true, chunks: fromArray(r) } : r);
  }

  embed(req: NativeEmbedRequest): Promise<NativeEmbedResult> {
    this.embedCalls.push(req);
    if (req.model !== 'all-minilm')
      return Promise.resolve({
        ok: false,
        status: 404,
        error: `model "${req.model}" not found, try pulling it first`,
      });
    const embeddings = req.input.map((_, i) => [0.5, -0.25, 0.125 * (i + 1)]);
    return Promise.resolve({
      ok: true,
      model: req.model,
      embeddings,
      total_duration: 1,
      load_duration: 0,
      prompt_eval_count: 2 * req.input.length,
    });
  }

  tags(): NativeTagEntry[] {
    return this.models;
  }

  capabilities(model: string): string[] | undefined {
    const full = model.includes(':') ? model : `${model}:latest`;
    return this.models.find((m) => m.name === full || m.name === model)?.capabilities;
  }
}

export function tagEntry(name: string, capabilities: string[]): NativeTagEntry {
  return {
    name,
    model: name,
    modified_at: '2026-02-01T10:00:00.123456789Z',
    size: 500_000_000,
    digest: 'f'.repeat(64),
    details: {
      parent_model: '',
      format: 'gguf',
      family: 'qwen3',
      families: ['qwen3'],
      parameter_size: '0.6B',
      quantization_level: 'Q4_K_M',
    },
    capabilities,
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/** Starts the compat layer on 127.0.0.1:0 in front of `runner`. */
export async function startCompatServer(
  runner: NativeRunner,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const ac = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ac.abort();
    });
    void (async () => {
      const body = await readBody(req);
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const handled = await handleCompat(
        { method: req.method ?? 'GET', path, headers, body, signal: ac.signal },
        res,
        runner,
      );
      if (!handled) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('404 page not found');
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
