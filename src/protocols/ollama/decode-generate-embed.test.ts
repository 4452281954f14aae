import { describe, expect, it } from 'vitest';
import { CorralError } from '../../core/errors.js';
import {
  decodeEmbedRequest,
  decodeGenerateRequest,
  decodeLegacyEmbeddingsRequest,
} from './decode-request.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUg==';

function failure(fn: () => unknown): CorralError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CorralError) return err;
    throw err;
  }
  throw new Error('expected a CorralError');
}

describe('decodeGenerateRequest', () => {
  it('maps every generate field', () => {
    const req = decodeGenerateRequest({
      model: 'm',
      prompt: 'fn main',
      suffix: '}',
      system: 's',
      template: '{{ .Prompt }}',
      context: [1, 2, 3],
      images: [PNG],
      raw: false,
      options: { num_predict: 5, mirostat: 1 },
      think: true,
      format: { type: 'object' },
      keep_alive: 30,
      stream: false,
    });
    expect(req).toEqual({
      kind: 'generate',
      model: 'm',
      prompt: 'fn main',
      suffix: '}',
      system: 's',
      template: '{{ .Prompt }}',
      context: [1, 2, 3],
      images: [PNG],
      raw: false,
      sampling: { maxOutputTokens: 5 },
      ollamaOptions: { mirostat: 1 },
      think: true,
      format: { type: 'object' },
      keepAlive: 30,
      stream: false,
    });
  });

  it.each<[string, unknown, string, CorralError['kind']]>([
    ['empty model → 404 as Ollama', { prompt: 'x' }, "model '' not found", 'not_found'],
    [
      'raw with system',
      { model: 'm', raw: true, system: 's' },
      'raw mode does not support template, system, or context',
      'invalid_request',
    ],
    [
      'raw with context',
      { model: 'm', raw: true, context: [1] },
      'raw mode does not support template, system, or context',
      'invalid_request',
    ],
    [
      'context of strings',
      { model: 'm', context: ['a'] },
      'json: cannot unmarshal string into Go struct field GenerateRequest.context of type int',
      'invalid_request',
    ],
    [
      'prompt as array',
      { model: 'm', prompt: [] },
      'json: cannot unmarshal array into Go struct field GenerateRequest.prompt of type string',
      'invalid_request',
    ],
  ])('refuses %s', (_name, body, message, kind) => {
    const err = failure(() => decodeGenerateRequest(body));
    expect({ kind: err.kind, message: err.message }).toEqual({ kind, message });
  });
});

describe('decodeEmbedRequest', () => {
  it.each([
    ['string input', { model: 'e', input: 'hi' }, ['hi']],
    ['array input', { model: 'e', input: ['a', 'b'] }, ['a', 'b']],
    ['empty string loads only', { model: 'e', input: '' }, []],
    ['absent input loads only', { model: 'e' }, []],
  ])('%s', (_name, body, input) => {
    expect(decodeEmbedRequest(body).input).toEqual(input);
  });

  it('keeps truncate, dimensions, options and keep_alive', () => {
    expect(
      decodeEmbedRequest({
        model: 'e',
        input: ['a'],
        truncate: false,
        dimensions: 256,
        options: { num_ctx: 512 },
        keep_alive: '1h',
      }),
    ).toEqual({
      kind: 'embed',
      model: 'e',
      input: ['a'],
      truncate: false,
      dimensions: 256,
      ollamaOptions: { num_ctx: 512 },
      keepAlive: '1h',
    });
  });

  it.each<[string, unknown, string, CorralError['kind']]>([
    ['empty model', { input: 'x' }, "model '' not found", 'not_found'],
    ['number input', { model: 'e', input: 3 }, 'invalid input type', 'invalid_request'],
    ['token arrays', { model: 'e', input: [[1, 2]] }, 'invalid input type', 'invalid_request'],
  ])('refuses %s', (_name, body, message, kind) => {
    const err = failure(() => decodeEmbedRequest(body));
    expect({ kind: err.kind, message: err.message }).toEqual({ kind, message });
  });
});

describe('decodeLegacyEmbeddingsRequest', () => {
  it('turns the prompt into one input and marks the legacy answer shape', () => {
    expect(decodeLegacyEmbeddingsRequest({ model: 'e', prompt: 'hi', keep_alive: 0 })).toEqual({
      kind: 'embed',
      model: 'e',
      input: ['hi'],
      keepAlive: 0,
      normalized: false,
      responseShape: 'legacy_embedding',
    });
    expect(decodeLegacyEmbeddingsRequest({ model: 'e', prompt: '' }).input).toEqual([]);
  });

  it('answers 400 model is required, unlike /api/embed', () => {
    const err = failure(() => decodeLegacyEmbeddingsRequest({ prompt: 'x' }));
    expect({ kind: err.kind, message: err.message }).toEqual({
      kind: 'invalid_request',
      message: 'model is required',
    });
  });
});
