/**
 * What a waiting client is told (DESIGN.md §3, §4). Encoders turn these into Anthropic
 * `event: queue` frames, OpenAI SSE comments, or nothing (Ollama NDJSON stays clean and the
 * position is served at `GET /api/queue/{id}`).
 */
export type QueueEvent =
  | { type: 'queued'; position: number; ahead: number; etaMs?: number }
  | { type: 'progress'; position: number; ahead: number; etaMs?: number }
  | { type: 'dispatched'; backend: string; modelLoaded?: boolean }
  | { type: 'fallback'; to: string };
