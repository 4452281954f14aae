import { describe, expect, it } from 'vitest';
import { normalizeEmbedding, rawEmbedding } from './embed-vectors.js';
import {
  jsonReplyTokens,
  makeRng,
  proseTokens,
  tokenize,
  toolCallId,
  valueForSchema,
} from './generate-text.js';
import { normalizeModelName } from './model-catalog.js';

describe('generated text', () => {
  it('is deterministic for a seed', () => {
    expect(proseTokens(makeRng(7), 10)).toEqual(proseTokens(makeRng(7), 10));
    expect(proseTokens(makeRng(7), 10)).not.toEqual(proseTokens(makeRng(8), 10));
  });

  it('tokenizes words with their leading whitespace', () => {
    expect(tokenize('Hello big  world ')).toEqual(['Hello', ' big', '  world', ' ']);
  });

  it('emits valid JSON for format json and for a schema', () => {
    expect(JSON.parse(jsonReplyTokens('json', makeRng(1)).join(''))).toHaveProperty('response');
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string' },
        age: { type: 'integer' },
        tags: { type: 'array', items: { type: 'string' } },
        kind: { enum: ['a', 'b'] },
      },
    };
    const value = JSON.parse(jsonReplyTokens(schema, makeRng(2)).join('')) as Record<string, unknown>;
    expect(typeof value.name).toBe('string');
    expect(Number.isInteger(value.age)).toBe(true);
    expect(Array.isArray(value.tags)).toBe(true);
    expect(['a', 'b']).toContain(value.kind);
    expect(valueForSchema({ type: ['null', 'boolean'] }, makeRng(3))).toBeTypeOf('boolean');
  });

  it('makes call_ + 8 [a-z0-9] tool-call ids', () => {
    expect(toolCallId(makeRng(5))).toMatch(/^call_[a-z0-9]{8}$/);
  });
});

describe('embeddings', () => {
  it('are deterministic, unit length, and cut + renormalised with dimensions', () => {
    const a = normalizeEmbedding(rawEmbedding('hello world', 16));
    expect(a).toEqual(normalizeEmbedding(rawEmbedding('hello world', 16)));
    expect(Math.hypot(...a)).toBeCloseTo(1, 10);
    const cut = normalizeEmbedding(rawEmbedding('hello world', 16), 4);
    expect(cut).toHaveLength(4);
    expect(Math.hypot(...cut)).toBeCloseTo(1, 10);
  });
});

describe('model names (§2.1)', () => {
  it.each([
    ['llama3.2', 'llama3.2:latest'],
    ['Llama3.2:LATEST', 'llama3.2:latest'],
    ['library/qwen3:8b', 'qwen3:8b'],
    ['registry.ollama.ai/library/qwen3:8b', 'qwen3:8b'],
    ['user/model', 'user/model:latest'],
    ['localhost:5000/model', 'localhost:5000/model:latest'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeModelName(input)).toBe(expected);
  });
});
