import { describe, expect, it } from 'vitest';
import { readSse } from './sse-reader.js';
import type { SseEvent } from './sse-reader.js';

async function frames(...chunks: string[]): Promise<SseEvent[]> {
  const bytes = (async function* () {
    for (const chunk of chunks) yield new TextEncoder().encode(chunk);
  })();
  const out: SseEvent[] = [];
  for await (const frame of readSse(bytes)) out.push(frame);
  return out;
}

describe('readSse', () => {
  it.each([
    ['whole frames', ['event: queue\ndata: {"a":1}\n\nevent: ping\ndata: {}\n\n']],
    ['split anywhere, CRLF', ['event: qu', 'eue\r\ndata: {"a"', ':1}\r\n\r', '\nevent: ping\ndata: {}\n\n']],
    ['comments skipped', [': keep-alive\n\nevent: queue\ndata: {"a":1}\n\n: x\nevent: ping\ndata: {}\n\n']],
  ])('%s', async (_name, chunks) => {
    expect(await frames(...chunks)).toEqual([
      { event: 'queue', data: '{"a":1}' },
      { event: 'ping', data: '{}' },
    ]);
  });

  it('joins data lines, defaults the event name, drops an unfinished frame', async () => {
    expect(await frames('data: a\ndata: b\n\nevent: x\ndata: cut')).toEqual([
      { event: 'message', data: 'a\nb' },
    ]);
  });
});
