import { describe, expect, it } from 'vitest';
import type { InstalledModel } from '../core/ports.js';
import { encodeModel, encodeModelList, ownerOf } from './models-list.js';

const model = (name: string, modifiedAt = '2025-11-24T16:00:00.123456789Z'): InstalledModel => ({
  name,
  model: name,
  modifiedAt,
  sizeBytes: 1,
  digest: 'sha256:x',
  details: {},
});

describe('encodeModelList (client-apis.md C.10)', () => {
  it('is the union body both SDKs parse', () => {
    expect(encodeModelList([model('qwen3:8b')])).toStrictEqual({
      object: 'list',
      data: [
        {
          id: 'qwen3:8b',
          object: 'model',
          type: 'model',
          created: 1764000000,
          owned_by: 'library',
          display_name: 'qwen3:8b',
          created_at: '2025-11-24T16:00:00Z',
        },
      ],
      has_more: false,
      first_id: 'qwen3:8b',
      last_id: 'qwen3:8b',
    });
  });

  it('empty: data [] (never null), no ids, has_more false', () => {
    expect(encodeModelList([])).toStrictEqual({
      object: 'list',
      data: [],
      has_more: false,
      first_id: null,
      last_id: null,
    });
  });

  it('keeps order, lists a name once, and sets first_id / last_id', () => {
    const list = encodeModelList([model('b'), model('a'), model('b')]);
    expect(list.data.map((m) => m.id)).toStrictEqual(['b', 'a']);
    expect([list.first_id, list.last_id]).toStrictEqual(['b', 'a']);
  });

  it('converts offsets to UTC and survives an unparseable time', () => {
    expect(encodeModel(model('m', '2025-11-24T17:00:00+01:00')).created_at).toBe('2025-11-24T16:00:00Z');
    expect(encodeModel(model('m', 'yesterday'))).toMatchObject({
      created: 0,
      created_at: '1970-01-01T00:00:00Z',
    });
  });

  const owners: Array<[string, string]> = [
    ['llama3.2:latest', 'library'],
    ['jane/tiny:1b', 'jane'],
    ['hf.co/bartowski/Llama-3.2-1B-GGUF:Q4_K_M', 'bartowski'],
    ['registry.ollama.ai/library/qwen3:8b', 'library'],
  ];
  it.each(owners)('owned_by of %s is %s', (name, owner) => {
    expect(ownerOf(name)).toBe(owner);
  });
});
