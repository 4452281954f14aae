/**
 * Canonical content events → the content-block events of client-apis.md §A.7, shared by the
 * streaming encoder and the non-streaming aggregator so both produce the same blocks and ids.
 *
 * Invariants (each one a bug seen in public gateways, §D):
 * - indexes are dense from 0 and every block is started, then stopped, before the next starts:
 *   one block open at a time (ollama#17101, sglang#26795);
 * - a delta's type always matches its block's type; text after a tool call or thinking opens a
 *   new text block (litellm PR#13638, sglang#26795);
 * - no text or thinking block is made of whitespace only: leading whitespace is held back until
 *   real text arrives and dropped if none does (experiential PR#804, "text content blocks must
 *   be non-empty");
 * - a thinking block ends with a `signature_delta` (identifiers.ts) before its stop;
 * - a tool call is one whole block with one `input_json_delta` carrying the full arguments JSON,
 *   never an empty `tool_use` (litellm#25605, #25321);
 * - tool-use ids are minted by one generator per response and never change (§C.3).
 */
import type { ChatEvent, ToolCall } from '../../core/chat.js';
import { UNSIGNED_THINKING_SIGNATURE } from './identifiers.js';
import type { AnthropicStreamEvent } from './types.js';

type ContentEvent = Exclude<ChatEvent, { type: 'done' }>;
type TextKind = 'text' | 'thinking';

export class BlockSequencer {
  #nextIndex = 0;
  #open: { index: number; kind: TextKind | 'tool_use' } | undefined;
  /** Whitespace waiting for a text/thinking block that may never have real content. */
  #held: { kind: TextKind; text: string } | undefined;
  #toolCalls = 0;
  readonly #newToolUseId: () => string;

  constructor(newToolUseId: () => string) {
    this.#newToolUseId = newToolUseId;
  }

  /** How many `tool_use` blocks were emitted (decides the `tool_use` stop reason, §C.2). */
  get toolCalls(): number {
    return this.#toolCalls;
  }

  push(event: ContentEvent): AnthropicStreamEvent[] {
    switch (event.type) {
      case 'text_delta':
        return this.#text('text', event.text);
      case 'thinking_delta':
        return this.#text('thinking', event.thinking);
      case 'tool_call':
        return this.#toolCall(event.call);
    }
  }

  /** Closes the open block, if any; call before `message_delta`. */
  finish(): AnthropicStreamEvent[] {
    this.#held = undefined;
    return this.#close();
  }

  #text(kind: TextKind, text: string): AnthropicStreamEvent[] {
    if (text === '') return [];
    const open = this.#open;
    if (open !== undefined && open.kind === kind) return [delta(open.index, kind, text)];
    const pending = this.#held?.kind === kind ? this.#held.text + text : text;
    if (pending.trim() === '') {
      this.#held = { kind, text: pending };
      return [];
    }
    this.#held = undefined;
    const out = this.#close();
    const index = this.#start(kind);
    const block =
      kind === 'text'
        ? { type: 'text' as const, text: '' }
        : { type: 'thinking' as const, thinking: '', signature: '' };
    out.push({ type: 'content_block_start', index, content_block: block }, delta(index, kind, pending));
    return out;
  }

  #toolCall(call: ToolCall): AnthropicStreamEvent[] {
    this.#held = undefined;
    const out = this.#close();
    const index = this.#start('tool_use');
    this.#toolCalls++;
    const block = { type: 'tool_use' as const, id: this.#newToolUseId(), name: call.name, input: {} };
    out.push(
      { type: 'content_block_start', index, content_block: block },
      {
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(call.input) },
      },
      ...this.#close(),
    );
    return out;
  }

  #start(kind: TextKind | 'tool_use'): number {
    const index = this.#nextIndex++;
    this.#open = { index, kind };
    return index;
  }

  #close(): AnthropicStreamEvent[] {
    const open = this.#open;
    if (open === undefined) return [];
    this.#open = undefined;
    const stop: AnthropicStreamEvent = { type: 'content_block_stop', index: open.index };
    if (open.kind !== 'thinking') return [stop];
    const signature = { type: 'signature_delta' as const, signature: UNSIGNED_THINKING_SIGNATURE };
    return [{ type: 'content_block_delta', index: open.index, delta: signature }, stop];
  }
}

function delta(index: number, kind: TextKind, text: string): AnthropicStreamEvent {
  return {
    type: 'content_block_delta',
    index,
    delta: kind === 'text' ? { type: 'text_delta', text } : { type: 'thinking_delta', thinking: text },
  };
}
