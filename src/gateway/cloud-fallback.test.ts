// The cloud fallback's policy: which requests may leave for the cloud, as which cloud model, and
// what they cost. Pure: the backend is a stub that is never called.
import { describe, expect, it } from 'vitest';
import type { ChatRequest, EmbedRequest, GenerateRequest, RequestMeta } from '../core/chat.js';
import type { Backend } from '../core/ports.js';
import { CloudFallback } from './cloud-fallback.js';
import type { CloudFallbackOptions } from './cloud-fallback.js';

const never = (): Promise<never> => Promise.reject(new Error('the policy must not call the backend'));
const backend: Backend = {
  name: 'anthropic',
  url: 'https://api.anthropic.com',
  generate: never,
  embed: never,
  listModels: never,
  listLoaded: never,
  version: never,
  showModel: never,
  close: never,
};

function fallback(over: Partial<CloudFallbackOptions> = {}): CloudFallback {
  return new CloudFallback({
    backend,
    maxWaitMs: 30_000,
    models: { 'llama3.2': 'claude-haiku-4-5', 'qwen3:8b': 'claude-sonnet-4-5' },
    tenants: ['alice'],
    prices: {
      'claude-haiku-4-5': { inputPerMTok: 1, outputPerMTok: 5 },
      'claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15 },
    },
    ...over,
  });
}

const chat = (model: string): ChatRequest => ({
  kind: 'chat',
  model,
  system: [],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
  tools: [],
  sampling: {},
  stream: true,
});
const generate = (model: string): GenerateRequest => ({
  kind: 'generate',
  model,
  prompt: 'Hi',
  images: [],
  sampling: {},
  stream: true,
});
const embed = (model: string): EmbedRequest => ({ kind: 'embed', model, input: ['Hi'] });

/** Open mode: no key, so no tenant record; `cloudFallback` is undefined. */
const open = (tenant: string): RequestMeta => ({ id: 'req_1', tenant, protocol: 'anthropic' });
/** Keys mode: the key's tenant record says whether it may fall back. */
const keyed = (tenant: string, cloudFallback: boolean): RequestMeta => ({
  id: 'req_2',
  tenant,
  protocol: 'openai',
  keyId: 'key_1',
  cloudFallback,
});

describe('CloudFallback.targetFor: models', () => {
  it('maps a chat request of a mapped model to its cloud model', () => {
    expect(fallback().targetFor(chat('qwen3:8b'), open('alice'))).toBe('claude-sonnet-4-5');
  });

  it('maps a generate request too', () => {
    expect(fallback().targetFor(generate('qwen3:8b'), open('alice'))).toBe('claude-sonnet-4-5');
  });

  it('never sends embeddings to the cloud, even for a mapped model, `*` and an allowed tenant', () => {
    const f = fallback({ models: { 'nomic-embed-text': 'claude-haiku-4-5', '*': 'claude-haiku-4-5' } });
    expect(f.targetFor(embed('nomic-embed-text'), open('alice'))).toBeUndefined();
    expect(f.targetFor(embed('nomic-embed-text'), keyed('alice', true))).toBeUndefined();
  });

  it('matches a bare name to a mapping with :latest, and the other way round', () => {
    const bare = fallback({ models: { 'llama3.2': 'claude-haiku-4-5' } });
    expect(bare.targetFor(chat('llama3.2:latest'), open('alice'))).toBe('claude-haiku-4-5');
    expect(bare.targetFor(chat('llama3.2'), open('alice'))).toBe('claude-haiku-4-5');
    const tagged = fallback({ models: { 'llama3.2:latest': 'claude-haiku-4-5' } });
    expect(tagged.targetFor(chat('llama3.2'), open('alice'))).toBe('claude-haiku-4-5');
    expect(tagged.targetFor(chat('llama3.2:latest'), open('alice'))).toBe('claude-haiku-4-5');
  });

  it('matches model names case-insensitively, as Ollama does', () => {
    expect(fallback().targetFor(chat('Llama3.2'), open('alice'))).toBe('claude-haiku-4-5');
    expect(fallback().targetFor(chat('QWEN3:8B'), open('alice'))).toBe('claude-sonnet-4-5');
  });

  it('does not confuse tags: a mapping of qwen3:8b says nothing about qwen3 or qwen3:32b', () => {
    const f = fallback();
    expect(f.targetFor(chat('qwen3'), open('alice'))).toBeUndefined();
    expect(f.targetFor(chat('qwen3:32b'), open('alice'))).toBeUndefined();
  });

  it('leaves a model that is not mapped local when there is no `*`', () => {
    expect(fallback().targetFor(chat('mistral'), open('alice'))).toBeUndefined();
  });

  it('maps every other model with `*`, and prefers an explicit mapping', () => {
    const f = fallback({ models: { 'llama3.2': 'claude-haiku-4-5', '*': 'claude-sonnet-4-5' } });
    expect(f.targetFor(chat('mistral'), open('alice'))).toBe('claude-sonnet-4-5');
    expect(f.targetFor(chat('gemma3:27b'), open('alice'))).toBe('claude-sonnet-4-5');
    expect(f.targetFor(chat('llama3.2:latest'), open('alice'))).toBe('claude-haiku-4-5');
  });

  it('sends nothing anywhere when no model is mapped', () => {
    expect(fallback({ models: {} }).targetFor(chat('llama3.2'), open('alice'))).toBeUndefined();
  });
});

describe('CloudFallback.targetFor: tenants', () => {
  it('open mode: only listed tenants may fall back', () => {
    const f = fallback({ tenants: ['alice', 'bob'] });
    expect(f.targetFor(chat('llama3.2'), open('alice'))).toBe('claude-haiku-4-5');
    expect(f.targetFor(chat('llama3.2'), open('bob'))).toBe('claude-haiku-4-5');
    expect(f.targetFor(chat('llama3.2'), open('mallory'))).toBeUndefined();
  });

  it('open mode: tenant ids match exactly', () => {
    const f = fallback({ tenants: ['alice'] });
    expect(f.targetFor(chat('llama3.2'), open('Alice'))).toBeUndefined();
    expect(f.targetFor(chat('llama3.2'), open('alice2'))).toBeUndefined();
  });

  it('open mode: `*` lets every tenant fall back', () => {
    const f = fallback({ tenants: ['*'] });
    expect(f.targetFor(chat('llama3.2'), open('anyone'))).toBe('claude-haiku-4-5');
    expect(f.targetFor(chat('llama3.2'), open('ip:10.0.0.7'))).toBe('claude-haiku-4-5');
  });

  it('open mode: nobody falls back with an empty list', () => {
    expect(fallback({ tenants: [] }).targetFor(chat('llama3.2'), open('alice'))).toBeUndefined();
  });

  it("keys mode: the tenant record's flag decides, whatever the list says", () => {
    const listed = fallback({ tenants: ['alice', '*'] });
    expect(listed.targetFor(chat('llama3.2'), keyed('alice', false))).toBeUndefined();
    expect(listed.targetFor(chat('llama3.2'), keyed('carol', false))).toBeUndefined();
    const unlisted = fallback({ tenants: [] });
    expect(unlisted.targetFor(chat('llama3.2'), keyed('carol', true))).toBe('claude-haiku-4-5');
  });

  it('keys mode: an allowed tenant still needs a mapped model', () => {
    expect(fallback().targetFor(chat('mistral'), keyed('alice', true))).toBeUndefined();
  });
});

describe('CloudFallback: settings', () => {
  it('exposes the backend and the wait bound it was given', () => {
    const f = fallback({ maxWaitMs: 1234 });
    expect(f.backend).toBe(backend);
    expect(f.maxWaitMs).toBe(1234);
  });

  it('does not read the model map again after construction', () => {
    const models: Record<string, string> = { 'llama3.2': 'claude-haiku-4-5' };
    const f = fallback({ models });
    models['mistral'] = 'claude-sonnet-4-5';
    expect(f.targetFor(chat('mistral'), open('alice'))).toBeUndefined();
  });
});

describe('CloudFallback.costUsd', () => {
  it('prices input and output tokens per million', () => {
    const f = fallback();
    expect(f.costUsd('claude-sonnet-4-5', { inputTokens: 1_000_000, outputTokens: 1_000_000 })).toBe(18);
    expect(f.costUsd('claude-haiku-4-5', { inputTokens: 2_000_000, outputTokens: 0 })).toBe(2);
    expect(f.costUsd('claude-haiku-4-5', { inputTokens: 0, outputTokens: 200_000 })).toBeCloseTo(1, 12);
  });

  it('prices a small call in fractions of a cent', () => {
    // 1200 × $3/M + 350 × $15/M = $0.0036 + $0.00525
    expect(fallback().costUsd('claude-sonnet-4-5', { inputTokens: 1200, outputTokens: 350 })).toBeCloseTo(
      0.00885,
      12,
    );
  });

  it('is 0 for a model with no price', () => {
    expect(fallback().costUsd('claude-opus-4-1', { inputTokens: 1000, outputTokens: 1000 })).toBe(0);
    expect(fallback({ prices: {} }).costUsd('claude-haiku-4-5', { inputTokens: 10, outputTokens: 10 })).toBe(
      0,
    );
  });

  it('is 0 when the usage is unknown', () => {
    expect(fallback().costUsd('claude-sonnet-4-5', undefined)).toBe(0);
  });

  it('is 0 for a call that used no tokens', () => {
    expect(fallback().costUsd('claude-sonnet-4-5', { inputTokens: 0, outputTokens: 0 })).toBe(0);
  });
});
