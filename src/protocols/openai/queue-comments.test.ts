import { describe, expect, it } from 'vitest';
import type { QueueEvent } from '../../core/queue-events.js';
import { keepAliveComment, queueComment } from './queue-comments.js';

describe('queue comments (DESIGN.md §4)', () => {
  const rows: Array<[QueueEvent, string]> = [
    [{ type: 'queued', position: 3, ahead: 2, etaMs: 40_100 }, ': queue position 3, eta 41s\n\n'],
    [{ type: 'progress', position: 1, ahead: 0, etaMs: 0 }, ': queue position 1, eta 0s\n\n'],
    [{ type: 'queued', position: 7, ahead: 6 }, ': queue position 7\n\n'],
    [{ type: 'dispatched', backend: 'gpu-1', modelLoaded: false }, ': dispatched, loading model\n\n'],
    [{ type: 'dispatched', backend: 'gpu-1', modelLoaded: true }, ': dispatched\n\n'],
    [{ type: 'fallback', to: 'claude\nx' }, ': falling back to claude x\n\n'],
  ];
  it.each(rows)('%j → %j', (event, frame) => {
    expect(queueComment(event)).toBe(frame);
  });

  it('every frame is comment lines only, ended by a blank line', () => {
    for (const frame of [...rows.map(([e]) => queueComment(e)), keepAliveComment()]) {
      expect(frame).toMatch(/^(:[^\n]*\n)+\n$/);
    }
  });
});
