import { describe, expect, it } from 'vitest';
import { encodeInstalledModels, encodeLoadedModels } from './encode-models.js';

describe('model lists (§2.5)', () => {
  it('/api/tags: wire names, newest first, capabilities only when known', () => {
    const details = { format: 'gguf', family: 'llama' };
    const out = encodeInstalledModels([
      {
        name: 'a:latest',
        model: 'a:latest',
        modifiedAt: '2025-01-01T00:00:00Z',
        sizeBytes: 1,
        digest: 'd1',
        details,
      },
      {
        name: 'b:latest',
        model: 'b:latest',
        modifiedAt: '2025-06-01T00:00:00Z',
        sizeBytes: 2,
        digest: 'd2',
        details,
        capabilities: ['completion'],
      },
    ]);
    expect(out).toStrictEqual({
      models: [
        {
          name: 'b:latest',
          model: 'b:latest',
          modified_at: '2025-06-01T00:00:00Z',
          size: 2,
          digest: 'd2',
          details,
          capabilities: ['completion'],
        },
        {
          name: 'a:latest',
          model: 'a:latest',
          modified_at: '2025-01-01T00:00:00Z',
          size: 1,
          digest: 'd1',
          details,
        },
      ],
    });
  });

  it('/api/ps: latest expiry first, context_length only when known', () => {
    const out = encodeLoadedModels([
      {
        name: 'a',
        model: 'a',
        sizeBytes: 5,
        sizeVramBytes: 5,
        digest: 'x',
        details: {},
        expiresAt: '2025-01-01T00:05:00Z',
      },
      {
        name: 'b',
        model: 'b',
        sizeBytes: 6,
        sizeVramBytes: 3,
        digest: 'y',
        details: {},
        expiresAt: '2318-01-01T00:00:00Z',
        contextLength: 4096,
      },
    ]);
    expect(out.models.map((m) => [m.name, m.size_vram, m.context_length])).toStrictEqual([
      ['b', 3, 4096],
      ['a', 5, undefined],
    ]);
  });
});
