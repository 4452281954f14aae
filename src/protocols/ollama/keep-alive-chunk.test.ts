import { describe, expect, it } from 'vitest';
import { keepAliveChunk } from './encode-stream.js';

const T = '2026-11-25T16:00:00.5Z';

describe('keepAliveChunk', () => {
  it('is an ordinary empty done:false chunk of /api/chat, fields in Ollama order', () => {
    const chunk = keepAliveChunk('chat', 'llama3.2', T);
    expect(JSON.stringify(chunk)).toBe(
      `{"model":"llama3.2","created_at":"${T}","message":{"role":"assistant","content":""},"done":false}`,
    );
  });

  it('is an ordinary empty done:false chunk of /api/generate, fields in Ollama order', () => {
    const chunk = keepAliveChunk('generate', 'llama3.2', T);
    expect(JSON.stringify(chunk)).toBe(`{"model":"llama3.2","created_at":"${T}","response":"","done":false}`);
  });

  it('is stamped now unless told otherwise', () => {
    const chunk = keepAliveChunk('generate', 'm');
    expect(chunk.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
    expect(Math.abs(Date.parse(chunk.created_at) - Date.now())).toBeLessThan(5_000);
  });
});
