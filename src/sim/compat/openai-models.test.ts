import { describe, expect, it } from 'vitest';
import type { NativeTagEntry } from '../contract.js';
import {
  decodeEmbeddingsRequest,
  floatsToBase64,
  listModels,
  ownerOf,
  retrieveModel,
  toEmbeddingList,
} from './openai-models.js';

// §5.6 `/v1/embeddings` and §5.7 `/v1/models`.

function tag(name: string, modifiedAt: string): NativeTagEntry {
  return {
    name,
    model: name,
    modified_at: modifiedAt,
    size: 1,
    digest: 'abc',
    details: {
      parent_model: '',
      format: 'gguf',
      family: 'llama',
      families: ['llama'],
      parameter_size: '3.2B',
      quantization_level: 'Q4_K_M',
    },
  };
}

const tags = [
  tag('llama3.2:latest', '2026-02-01T10:00:00.5Z'),
  tag('someone/tiny:1b', '2026-01-01T00:00:00Z'),
];

describe('/v1/models', () => {
  it('lists id, created (modified_at), owned_by (namespace)', () => {
    expect(listModels(tags)).toEqual({
      object: 'list',
      data: [
        {
          id: 'llama3.2:latest',
          object: 'model',
          created: Date.UTC(2026, 1, 1, 10) / 1000,
          owned_by: 'library',
        },
        { id: 'someone/tiny:1b', object: 'model', created: Date.UTC(2026, 0, 1) / 1000, owned_by: 'someone' },
      ],
    });
  });

  it('an empty install gives data: null', () => {
    expect(listModels([])).toEqual({ object: 'list', data: null });
  });

  it.each([
    ['llama3.2', 'library'],
    ['user/model:tag', 'user'],
    ['hf.co/org/repo:Q4', 'org'],
  ])('owner of %s is %s', (name, owner) => {
    expect(ownerOf(name)).toBe(owner);
  });

  it("retrieve echoes the requested id; unknown is show's 404 with the normalised name", () => {
    expect(retrieveModel(tags, 'llama3.2')).toMatchObject({
      ok: true,
      model: { id: 'llama3.2', owned_by: 'library' },
    });
    expect(retrieveModel(tags, 'nope')).toEqual({
      ok: false,
      status: 404,
      message: "model 'nope:latest' not found",
    });
  });
});

describe('/v1/embeddings', () => {
  it.each([
    [{ model: 'e', input: 'hi' }, ['hi']],
    [{ model: 'e', input: '' }, ['']],
    [{ model: 'e', input: ['a', 'b'] }, ['a', 'b']],
  ])('%j → native input %j', (body, input) => {
    expect(decodeEmbeddingsRequest(body)).toMatchObject({ ok: true, native: { model: 'e', input } });
  });

  it.each([
    [{ model: 'e' }, 'invalid input'],
    [{ model: 'e', input: [] }, 'invalid input'],
    [{ model: 'e', input: [[1, 2, 3]] }, 'invalid input type'],
    [
      { model: 'e', input: 'x', encoding_format: 'int8' },
      "Invalid value for 'encoding_format' = int8. Supported values: ['float', 'base64'].",
    ],
  ])('%j → 400 %s', (body, message) => {
    expect(decodeEmbeddingsRequest(body)).toEqual({ ok: false, status: 400, message });
  });

  it('encoding_format is case-insensitive; dimensions pass through', () => {
    expect(
      decodeEmbeddingsRequest({ model: 'e', input: 'x', encoding_format: 'BASE64', dimensions: 8 }),
    ).toMatchObject({
      ok: true,
      base64: true,
      native: { dimensions: 8 },
    });
  });

  it('response: float32 values or little-endian float32 base64, usage from prompt_eval_count', () => {
    expect(toEmbeddingList('e', [[0.5, 0.25]], 3, false)).toEqual({
      object: 'list',
      data: [{ object: 'embedding', embedding: [0.5, 0.25], index: 0 }],
      model: 'e',
      usage: { prompt_tokens: 3, total_tokens: 3 },
    });
    const b64 = floatsToBase64([1, -2]);
    const buf = Buffer.from(b64, 'base64');
    expect([buf.readFloatLE(0), buf.readFloatLE(4)]).toEqual([1, -2]);
    expect(toEmbeddingList('e', [], 0, false).data).toBeNull();
  });
});
