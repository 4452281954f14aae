import { createHash } from 'node:crypto';
import type { ContentBlock, InferenceRequest } from './chat.js';

/** Characters of the system prompt and first message that identify a conversation. */
const KEY_CHARS = 4096;

/**
 * Identifies a conversation across its turns, for host affinity (Ollama keeps the last prompt's
 * KV cache per slot, so a continuation on the same host skips re-reading the history). Every turn
 * repeats the model, the system prompt and the first user message, so those name it. Undefined
 * for requests with nothing to continue: embeddings and prompt-only generates.
 */
export function conversationKey(req: InferenceRequest): string | undefined {
  if (req.kind !== 'chat') return undefined;
  const first = req.messages.find((m) => m.role === 'user');
  if (first === undefined) return undefined;
  const hash = createHash('sha256');
  hash.update(req.model);
  hash.update('\0');
  hash.update(
    req.system
      .map((b) => b.text)
      .join('\n')
      .slice(0, KEY_CHARS),
  );
  hash.update('\0');
  hash.update(first.content.map(blockText).join('\n').slice(0, KEY_CHARS));
  return hash.digest('base64url').slice(0, 22);
}

function blockText(block: ContentBlock): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image':
      // Enough of the data to tell images apart without hashing megabytes.
      return `[image ${block.data.length} ${block.data.slice(0, 64)}]`;
    case 'thinking':
      return block.thinking;
    case 'tool_use':
      return `[tool_use ${block.name}]`;
    case 'tool_result':
      return `[tool_result ${block.toolUseId}]`;
  }
}

/**
 * Which host last served each conversation: a bounded map that forgets the least recently used
 * conversation first, so memory stays flat however many conversations pass through.
 */
export class AffinityTable {
  readonly #hosts = new Map<string, string>();
  readonly #capacity: number;

  constructor(capacity = 10_000) {
    this.#capacity = capacity;
  }

  get(key: string): string | undefined {
    return this.#hosts.get(key);
  }

  remember(key: string, backend: string): void {
    this.#hosts.delete(key);
    this.#hosts.set(key, backend);
    if (this.#hosts.size > this.#capacity) {
      const oldest = this.#hosts.keys().next().value;
      if (oldest !== undefined) this.#hosts.delete(oldest);
    }
  }

  get size(): number {
    return this.#hosts.size;
  }
}
