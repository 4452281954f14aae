import { describe, expect, it } from 'vitest';
import type { SseFrame } from './stream-grammar.js';
import { grammarViolation, parseSseText } from './stream-grammar.js';

const usage = { input_tokens: 1, output_tokens: 1 };
const start: SseFrame = {
  event: 'message_start',
  data: { type: 'message_start', message: { content: [], usage } },
};
const blockStart = (index: number, type = 'text'): SseFrame => ({
  event: 'content_block_start',
  data: { type: 'content_block_start', index, content_block: { type } },
});
const textDelta = (index: number): SseFrame => ({
  event: 'content_block_delta',
  data: { type: 'content_block_delta', index, delta: { type: 'text_delta', text: 'x' } },
});
const stop = (index: number): SseFrame => ({
  event: 'content_block_stop',
  data: { type: 'content_block_stop', index },
});
const delta: SseFrame = { event: 'message_delta', data: { type: 'message_delta', delta: {}, usage } };
const end: SseFrame = { event: 'message_stop', data: { type: 'message_stop' } };
const ping: SseFrame = { event: 'ping', data: { type: 'ping' } };
const queue: SseFrame = { event: 'queue', data: { type: 'queue' } };

/** The checker itself must catch each violation the reference lists (§A.7), or the other tests prove nothing. */
describe('grammarViolation', () => {
  const rows: Array<{ name: string; frames: SseFrame[]; bad: boolean }> = [
    {
      name: 'a valid stream with pings and queue frames',
      frames: [queue, ping, start, ping, blockStart(0), textDelta(0), stop(0), delta, end],
      bad: false,
    },
    { name: 'missing message_start', frames: [blockStart(0), stop(0), delta, end], bad: true },
    { name: 'second message_start', frames: [start, start, delta, end], bad: true },
    { name: 'first index 1', frames: [start, blockStart(1), stop(1), delta, end], bad: true },
    {
      name: 'two blocks open',
      frames: [start, blockStart(0), blockStart(1), stop(1), stop(0), delta, end],
      bad: true,
    },
    {
      name: 'index reused (ollama#17101)',
      frames: [start, blockStart(0), stop(0), blockStart(0), stop(0), delta, end],
      bad: true,
    },
    {
      name: 'text_delta in a tool_use block',
      frames: [start, blockStart(0, 'tool_use'), textDelta(0), stop(0), delta, end],
      bad: true,
    },
    {
      name: 'message_delta without usage',
      frames: [start, { event: 'message_delta', data: { type: 'message_delta', delta: {} } }, end],
      bad: true,
    },
    { name: 'missing message_stop', frames: [start, delta], bad: true },
    {
      name: 'event name differs from data.type',
      frames: [start, { event: 'message_stop', data: { type: 'x' } }],
      bad: true,
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      expect(grammarViolation(row.frames) !== undefined).toBe(row.bad);
    });
  }

  it('parseSseText requires the trailing blank line and named events', () => {
    expect(parseSseText('event: ping\ndata: {"type":"ping"}\n\n')).toEqual([ping]);
    expect(() => parseSseText('event: ping\ndata: {"type":"ping"}\n')).toThrow();
    expect(() => parseSseText('data: {"type":"ping"}\n\n')).toThrow();
  });
});
