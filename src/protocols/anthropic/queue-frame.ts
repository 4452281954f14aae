/**
 * Queue feedback while a streamed request waits (DESIGN.md §4): an `event: queue` frame whose data
 * is the QueueEvent in snake_case, as everything on this wire is (`eta_ms`, `finish_eta_ms`,
 * `model_loaded`). SDKs pass unknown event names through raw iteration and their `MessageStream`
 * ignores them (client-apis.md §A.7), so plain clients are unaffected; our own client reads them
 * back with `decodeQueueFrameData`.
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
      const finish = event.finishEtaMs === undefined ? {} : { finish_eta_ms: Math.round(event.finishEtaMs) };
      const { type, position, ahead } = event;
      return sseFrame('queue', { type, position, ahead, ...eta, ...finish });
    }
    case 'dispatched': {
      const loaded = event.modelLoaded === undefined ? {} : { model_loaded: event.modelLoaded };
      return sseFrame('queue', { type: event.type, backend: event.backend, ...loaded });
    }
    case 'fallback': {
      const model = event.model === undefined ? {} : { model: event.model };
      const reason = event.reason === undefined ? {} : { reason: event.reason };
      return sseFrame('queue', { type: event.type, to: event.to, ...model, ...reason });
    }
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
    const finishEtaMs = num(data['finish_eta_ms']);
    return {
      type,
      position,
      ahead,
      ...(etaMs === undefined ? {} : { etaMs }),
      ...(finishEtaMs === undefined ? {} : { finishEtaMs }),
    };
  }
  if (type === 'dispatched' && typeof data['backend'] === 'string') {
    const loaded = data['model_loaded'];
    return typeof loaded === 'boolean'
      ? { type, backend: data['backend'], modelLoaded: loaded }
      : { type, backend: data['backend'] };
  }
  if (type === 'fallback' && typeof data['to'] === 'string') {
    const model = data['model'];
    const reason = data['reason'];
    return {
      type,
      to: data['to'],
      ...(typeof model === 'string' ? { model } : {}),
      ...(typeof reason === 'string' ? { reason } : {}),
    };
  }
  return undefined;
}
