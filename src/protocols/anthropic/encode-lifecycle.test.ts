import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../core/chat.js';
import { aggregateMessage, encodeMessagesStream, messagesStreamEvents } from './encode-stream.js';

const events: ChatEvent[] = [
  { type: 'thinking_delta', thinking: 'a' },
  { type: 'text_delta', text: 'b' },
  { type: 'tool_call', call: { id: '', name: 't', input: { x: 1 } } },
  { type: 'done', stopReason: 'tool_use', usage: { inputTokens: 1, outputTokens: 2 } },
];

function counter(): () => string {
  let n = 0;
  return () => `toolu_${++n}`;
}

describe('encoder lifecycle', () => {
  it('closes the event source when the consumer stops early (client gone → upstream aborted)', async () => {
    let closed = false;
    async function* source(): AsyncGenerator<ChatEvent> {
      try {
        for (;;) yield { type: 'text_delta', text: 'tick ' };
      } finally {
        closed = true;
      }
    }
    const frames = encodeMessagesStream(source(), { id: 'm', model: 'x', inputTokens: 0 });
    let seen = 0;
    for await (const _ of frames) if (++seen === 4) break;
    expect(closed).toBe(true);
  });

  it('streamed and aggregated answers carry the same blocks and ids', async () => {
    async function* iterate(): AsyncGenerator<ChatEvent> {
      yield* events;
    }
    const ctx = { id: 'm', model: 'x', inputTokens: 0 };
    const streamed: unknown[] = [];
    for await (const event of messagesStreamEvents(iterate(), { ...ctx, newToolUseId: counter() })) {
      if (event.type === 'content_block_start') streamed.push(event.content_block);
    }
    const message = await aggregateMessage(iterate(), { ...ctx, newToolUseId: counter() });
    expect(message.content.map((b) => ({ type: b.type, id: 'id' in b ? b.id : undefined }))).toEqual(
      streamed.map((b) => {
        const block = b as { type: string; id?: string };
        return { type: block.type, id: block.id };
      }),
    );
  });
});
