/**
 * A checker for the stream grammar of client-apis.md §A.7, for tests and diagnostics (the e2e
 * suite and the emulator can run any captured stream through it):
 *
 *   message_start (ping)* (content_block_start(i) content_block_delta(i)* content_block_stop(i))*
 *   message_delta message_stop
 *
 * with i = 0, 1, 2, … and each delta's type allowed by its block's type.
 */
import { isRecord } from './wire-read.js';

export interface SseFrame {
  event: string;
  data: unknown;
}

/**
 * Splits complete SSE text into frames. Strict on purpose: every frame must be one `event:` line
 * and one `data:` line followed by a blank line, which is what we emit (§1.4).
 */
export function parseSseText(raw: string): SseFrame[] {
  if (raw === '') return [];
  if (!raw.endsWith('\n\n')) throw new Error('SSE text must end with a blank line');
  return raw
    .slice(0, -2)
    .split('\n\n')
    .map((chunk) => {
      const match = /^event: (\S+)\ndata: ([^\n]*)$/.exec(chunk);
      if (match === null) throw new Error(`malformed SSE frame: ${JSON.stringify(chunk)}`);
      return { event: match[1] ?? '', data: JSON.parse(match[2] ?? '') as unknown };
    });
}

const DELTAS_FOR: Record<string, readonly string[]> = {
  text: ['text_delta', 'citations_delta'],
  thinking: ['thinking_delta', 'signature_delta'],
  tool_use: ['input_json_delta'],
};

const KNOWN_EVENTS: ReadonlySet<string> = new Set([
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
]);

interface GrammarState {
  started: boolean;
  deltaSeen: boolean;
  stopped: boolean;
  next: number;
  open: { index: number; type: string } | undefined;
}

/** The first rule a frame sequence breaks, or undefined when it follows the grammar. */
export function grammarViolation(frames: SseFrame[]): string | undefined {
  const state: GrammarState = { started: false, deltaSeen: false, stopped: false, next: 0, open: undefined };
  for (const [position, frame] of frames.entries()) {
    const problem = step(state, frame);
    if (problem !== undefined) return `frame ${position} (${frame.event}): ${problem}`;
  }
  if (!state.stopped) return 'stream did not end with message_stop';
  return undefined;
}

function step(state: GrammarState, frame: SseFrame): string | undefined {
  const data = isRecord(frame.data) ? frame.data : {};
  if (data['type'] !== frame.event)
    return `data.type ${JSON.stringify(data['type'])} differs from the event name`;
  // `ping`, our `queue` frames and any future event name may appear anywhere (§A.7).
  if (!KNOWN_EVENTS.has(frame.event)) return undefined;
  if (state.stopped) return 'event after message_stop';
  if (frame.event === 'message_start') {
    if (state.started) return 'second message_start';
    const message = isRecord(data['message']) ? data['message'] : {};
    if (!Array.isArray(message['content']) || !isRecord(message['usage']))
      return 'message needs content [] and usage';
    state.started = true;
    return undefined;
  }
  if (!state.started) return 'event before message_start';
  if (state.deltaSeen && frame.event !== 'message_stop') return 'only message_stop may follow message_delta';
  return blockStep(state, frame.event, data);
}

function blockStep(state: GrammarState, event: string, data: Record<string, unknown>): string | undefined {
  const index = data['index'];
  switch (event) {
    case 'content_block_start': {
      if (state.open !== undefined) return `block ${state.open.index} is still open`;
      if (index !== state.next) return `index ${String(index)}, expected ${state.next}`;
      const block = isRecord(data['content_block']) ? data['content_block'] : {};
      state.open = { index: state.next++, type: String(block['type']) };
      return undefined;
    }
    case 'content_block_delta': {
      if (state.open === undefined || state.open.index !== index)
        return `no open block at index ${String(index)}`;
      const delta = isRecord(data['delta']) ? String(data['delta']['type']) : '';
      return DELTAS_FOR[state.open.type]?.includes(delta) === true
        ? undefined
        : `${delta} in a ${state.open.type} block`;
    }
    case 'content_block_stop':
      if (state.open === undefined || state.open.index !== index)
        return `no open block at index ${String(index)}`;
      state.open = undefined;
      return undefined;
    case 'message_delta': {
      if (state.open !== undefined) return `block ${state.open.index} is still open`;
      const usage = data['usage'];
      if (!isRecord(usage) || typeof usage['output_tokens'] !== 'number')
        return 'usage.output_tokens missing';
      state.deltaSeen = true;
      return undefined;
    }
    case 'message_stop':
      if (!state.deltaSeen) return 'message_stop without message_delta';
      state.stopped = true;
      return undefined;
    default:
      return undefined;
  }
}
