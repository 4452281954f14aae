/**
 * Queue feedback while a streamed request waits (DESIGN.md §4): an `event: queue` frame whose data
 * is the QueueEvent in snake_case, as everything on this wire is (`eta_ms`, `model_loaded`). SDKs
 * pass unknown event names through raw iteration and their `MessageStream` ignores them
 * (client-apis.md §A.7), so plain clients are unaffected; our own client reads them back with
 * `decodeQueueFrameData`.
 */
import { assertNever } from '../../core/assert-never.js';
import type { QueueEvent } from '../../core/queue-events.js';
import { sseFrame } from './encode-stream.js';
import { isRecord } from './wire-read.js';

export function queueFrame(event: QueueEvent): string {
  switch (event.type) {
    case 'queued':
    case 'progress': {
      const eta = event.etaMs === undefined ? {} : { eta_ms: Math.round(event.etaMs) };
      return sseFrame('queue', { type: event.type, position: event.position, ahead: event.ahead, ...eta });
    }
    case 'dispatched': {
      const loaded = event.modelLoaded === undefined ? {} : { model_loaded: event.modelLoaded };
      return sseFrame('queue', { type: event.type, backend: event.backend, ...loaded });
    }
    case 'fallback':
      return sseFrame('queue', { type: event.type, to: event.to });
    default:
      return assertNever(event, 'queue event');
  }
}

const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** The parsed `data` of an `event: queue` frame back to a QueueEvent; undefined if it is not one. */
export function decodeQueueFrameData(data: unknown): QueueEvent | undefined {
  if (!isRecord(data)) return undefined;
  const type = data['type'];
  if (type === 'queued' || type === 'progress') {
    const position = num(data['position']);
    const ahead = num(data['ahead']);
    if (position === undefined || ahead === undefined) return undefined;
    const etaMs = num(data['eta_ms']);
    return etaMs === undefined ? { type, position, ahead } : { type, position, ahead, etaMs };
  }
  if (type === 'dispatched' && typeof data['backend'] === 'string') {
    const loaded = data['model_loaded'];
    return typeof loaded === 'boolean'
      ? { type, backend: data['backend'], modelLoaded: loaded }
      : { type, backend: data['backend'] };
  }
  if (type === 'fallback' && typeof data['to'] === 'string') return { type, to: data['to'] };
  return undefined;
}
