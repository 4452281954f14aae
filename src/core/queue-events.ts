/**
 * What a waiting client is told (DESIGN.md §3, §4). Encoders turn these into Anthropic
 * `event: queue` frames, OpenAI SSE comments, or nothing (Ollama NDJSON stays clean and the
 * position is served at `GET /api/queue/{id}`).
 *
 * `etaMs` is the predicted wait before the request starts, `finishEtaMs` before it ends (start
 * plus its own expected length), both from now and absent when there is no estimate: a client
 * deciding whether to wait cares when its answer is done, not only when it begins.
 */
export type QueueEvent =
  | { type: 'queued'; position: number; ahead: number; etaMs?: number; finishEtaMs?: number }
  | { type: 'progress'; position: number; ahead: number; etaMs?: number; finishEtaMs?: number }
  | { type: 'dispatched'; backend: string; modelLoaded?: boolean }
  /** Served by the cloud fallback: `to` names the backend, `model` the cloud model, `reason` why. */
  | { type: 'fallback'; to: string; model?: string; reason?: string };
