import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { CorralError } from '../../core/errors.js';
import { decodeEmbeddingsRequest, encodeEmbeddingsResponse, float32Base64 } from './embeddings.js';

function failure(body: unknown): CorralError {
  try {
    decodeEmbeddingsRequest(body);
  } catch (error) {
    if (error instanceof CorralError) return error;
    throw error;
  }
  throw new Error('expected a CorralError');
}

describe('decodeEmbeddingsRequest (ollama-api.md §5.6)', () => {
  it('a string input becomes a one-element array; float is the default format', () => {
    expect(decodeEmbeddingsRequest({ model: 'all-minilm', input: 'hello' })).toStrictEqual({
      request: { kind: 'embed', model: 'all-minilm', input: ['hello'] },
      encodingFormat: 'float',
    });
  });

  it('keeps arrays, dimensions and base64', () => {
    expect(
      decodeEmbeddingsRequest({
        model: 'm',
        input: ['a', 'b'],
        dimensions: 64,
        encoding_format: 'base64',
        user: 'u',
      }),
    ).toStrictEqual({
      request: { kind: 'embed', model: 'm', input: ['a', 'b'], dimensions: 64 },
      encodingFormat: 'base64',
    });
  });

  const errors: Array<[string, unknown, string | undefined, RegExp]> = [
    ['no model', { input: 'x' }, 'model', /model is required/],
    ['no input', { model: 'm' }, 'input', /non-empty/],
    ['empty array', { model: 'm', input: [] }, 'input', /non-empty/],
    ['token array', { model: 'm', input: [1, 2] }, 'input[0]', /token arrays/],
    ['nested token arrays', { model: 'm', input: [[1, 2]] }, 'input[0]', /token arrays/],
    ['empty string', { model: 'm', input: '' }, 'input[0]', /non-empty strings/],
    [
      'unknown format',
      { model: 'm', input: 'x', encoding_format: 'int8' },
      'encoding_format',
      /Invalid value for 'encoding_format' = int8/,
    ],
    ['dimensions 0', { model: 'm', input: 'x', dimensions: 0 }, 'dimensions', /at least 1/],
    ['not an object', 'x', undefined, /JSON object/],
  ];
  it.each(errors)('400 for %s', (_name, body, param, message) => {
    const err = failure(body);
    expect([err.kind, err.param]).toStrictEqual(['invalid_request', param]);
    expect(err.message).toMatch(message);
  });
});

describe('encodeEmbeddingsResponse', () => {
  const result = {
    embeddings: [
      [0.5, -1],
      [0.25, 2],
    ],
    usage: { inputTokens: 4, outputTokens: 0 },
  };

  it('float: the list body with indexes and usage', () => {
    expect(encodeEmbeddingsResponse('m', result, 'float')).toStrictEqual({
      object: 'list',
      data: [
        { object: 'embedding', embedding: [0.5, -1], index: 0 },
        { object: 'embedding', embedding: [0.25, 2], index: 1 },
      ],
      model: 'm',
      usage: { prompt_tokens: 4, total_tokens: 4 },
    });
  });

  it('base64: little-endian float32 bytes', () => {
    const body = encodeEmbeddingsResponse('m', result, 'base64');
    const encoded = body.data[0]?.embedding;
    expect(typeof encoded).toBe('string');
    const bytes = Buffer.from(encoded as string, 'base64');
    expect([bytes.readFloatLE(0), bytes.readFloatLE(4)]).toStrictEqual([0.5, -1]);
    expect(float32Base64([1])).toBe(Buffer.from([0, 0, 0x80, 0x3f]).toString('base64'));
  });
});
