import { describe, expect, it } from 'vitest';
import type { QueueEvent } from '../../core/queue-events.js';
import { decodeQueueFrameData, queueFrame } from './queue-frame.js';
import { parseSseText } from './stream-grammar.js';

describe('queueFrame', () => {
  const rows: Array<[QueueEvent, Record<string, unknown>]> = [
    [
      { type: 'queued', position: 3, ahead: 2, etaMs: 41000.4 },
      { type: 'queued', position: 3, ahead: 2, eta_ms: 41000 },
    ],
    [
      { type: 'progress', position: 1, ahead: 0 },
      { type: 'progress', position: 1, ahead: 0 },
    ],
    [
      { type: 'progress', position: 2, ahead: 1, etaMs: 4000, finishEtaMs: 9500 },
      { type: 'progress', position: 2, ahead: 1, eta_ms: 4000, finish_eta_ms: 9500 },
    ],
    [
      { type: 'dispatched', backend: 'gpu-1', modelLoaded: true },
      { type: 'dispatched', backend: 'gpu-1', model_loaded: true },
    ],
    [
      { type: 'dispatched', backend: 'gpu-2' },
      { type: 'dispatched', backend: 'gpu-2' },
    ],
    [
      { type: 'fallback', to: 'claude-haiku' },
      { type: 'fallback', to: 'claude-haiku' },
    ],
  ];
  for (const [event, data] of rows) {
    it(`${event.type} → event: queue with snake_case data, and back`, () => {
      const frames = parseSseText(queueFrame(event));
      expect(frames).toEqual([{ event: 'queue', data }]);
      const back = decodeQueueFrameData(frames[0]?.data);
      expect(back).toEqual(event.type === 'queued' ? { ...event, etaMs: 41000 } : event);
    });
  }

  it('decodeQueueFrameData returns undefined for anything else', () => {
    for (const data of [null, 'x', { type: 'ping' }, { type: 'queued', position: 1 }, { type: 'fallback' }]) {
      expect(decodeQueueFrameData(data)).toBeUndefined();
    }
  });
});
