/**
 * Queue feedback for a streamed request that is still waiting (DESIGN.md §4): SSE comment lines,
 * which every SSE parser skips (the openai SDK included, client-apis.md §1.4–1.5), so a plain
 * client sees nothing while a curious one can read its position. The server sends
 * `keepAliveComment()` at least every 15 s so undici's 300 s body timer never fires (§1.8).
 */
import type { QueueEvent } from '../../core/queue-events.js';
import { assertNever } from '../../core/assert-never.js';

/** How often the server should send a keep-alive while nothing else is written. */
export const KEEP_ALIVE_INTERVAL_MS = 15_000;

/** `: queue position 3, eta 41s\n\n`; the ETA is rounded up and left out when unknown. */
export function queueComment(event: QueueEvent): string {
  return `: ${queueText(event)}\n\n`;
}

export function keepAliveComment(): string {
  return ': keep-alive\n\n';
}

function queueText(event: QueueEvent): string {
  switch (event.type) {
    case 'queued':
    case 'progress': {
      const eta = event.etaMs === undefined ? '' : `, eta ${Math.max(0, Math.ceil(event.etaMs / 1000))}s`;
      return `queue position ${event.position}${eta}`;
    }
    case 'dispatched':
      // The backend's name is ours, not the client's business; say only whether a load is coming.
      return event.modelLoaded === false ? 'dispatched, loading model' : 'dispatched';
    case 'fallback':
      return `falling back to ${oneLine(event.to)}${event.model === undefined ? '' : ` (${oneLine(event.model)})`}`;
    default:
      return assertNever(event, 'queue event');
  }
}

/** A line break inside a comment would end it and start a stray field line. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}
