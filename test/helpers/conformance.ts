// Shared pieces of test/gateway/conformance-*.test.ts: what Ollama received, fixtures, SSE parsing.
import Anthropic from '@anthropic-ai/sdk';
import Anthropic0x from 'anthropic-sdk-0x';
import type { Emulator, SimEventOf } from '../../src/sim/index.js';

export type Received = SimEventOf<'request_received'>;

/** An Ollama `/api/chat` message as the emulator decoded it. */
export interface UpstreamMessage {
  role: string;
  content: string;
  thinking?: string;
  images?: string[];
  tool_calls?: Array<{ id?: string; function: { index?: number; name: string; arguments: unknown } }>;
  tool_name?: string;
  tool_call_id?: string;
}

/**
 * Resolves with the next native chat body the emulator receives. Subscribe before acting:
 * `const upstream = nextChat(host); await client…; const body = await upstream;`.
 */
export async function nextChat(host: Emulator): Promise<Received> {
  return host.control.waitFor('request_received', (e) => e.endpoint === 'chat');
}

export function messagesOf(e: Received): UpstreamMessage[] {
  return e.body.messages as UpstreamMessage[];
}

export function optionsOf(e: Received): Record<string, unknown> {
  return (e.body.options ?? {}) as Record<string, unknown>;
}

/**
 * A ~5 KB tool argument with quotes, backslashes, pipes, newlines and unicode (astral plane
 * included) — client-apis.md §D 2. No `]]`, so it fits a `[[sim:tool …]]` directive.
 */
export function bigArguments(): Record<string, unknown> {
  const line = 'He said "ok" | a\\b | tab\there | 日本語 | émoji 🚀🎉 | <tag a="1"/> | {"nested": [1, 2]}\n';
  let text = '';
  while (text.length < 5000) text += line;
  return { path: 'C:\\dir\\file "quoted".txt', content: text, flags: ['-a', '--b=c'], n: 42, ok: true };
}

/** A 1×1 transparent PNG, plain base64. */
export const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

export interface SseEvent {
  event: string | undefined;
  data: string;
}

/** Splits an SSE body into events (comment lines dropped). */
export function parseSse(body: string): SseEvent[] {
  const out: SseEvent[] = [];
  for (const frame of body.split(/\r?\n\r?\n/)) {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of frame.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (event !== undefined || data.length > 0) out.push({ event, data: data.join('\n') });
  }
  return out;
}

/** A fetch that records every request's URL and headers, then forwards it. */
export function recordingFetch(): {
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  calls: Array<{ url: string; headers: Headers }>;
} {
  const calls: Array<{ url: string; headers: Headers }> = [];
  return {
    calls,
    fetch: (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      calls.push({ url, headers: new Headers(init?.headers) });
      return fetch(input, init);
    },
  };
}

/** The client options these tests use; both SDK generations accept them. */
export interface AnthropicClientOptions {
  baseURL: string;
  apiKey?: string;
  authToken?: string;
  maxRetries: number;
  defaultHeaders?: Record<string, string>;
  fetch?: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
}

/** Both generations behind one type: the 0.x client is called with params valid in both. */
export const anthropicSdks = [
  {
    sdk: '@anthropic-ai/sdk 1.x',
    make: (o: AnthropicClientOptions): Anthropic => new Anthropic(o),
    NotFoundError: Anthropic.NotFoundError,
    /** Where `apiKey` goes: 1.x sends it as a Bearer token (client-apis.md §0). */
    apiKeyHeader: 'authorization' as const,
  },
  {
    sdk: 'anthropic-sdk-0x (0.137)',
    make: (o: AnthropicClientOptions): Anthropic => new Anthropic0x(o) as unknown as Anthropic,
    NotFoundError: Anthropic0x.NotFoundError,
    apiKeyHeader: 'x-api-key' as const,
  },
];
