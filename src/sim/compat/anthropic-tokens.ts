import { goMarshal } from './go-json.js';
import { isRecord } from './go-types.js';

/** The len/4 input-token estimate of Ollama's Anthropic layer (§6.4, §6.6). Pure. */

type Block = Record<string, unknown>;

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

/** A block re-encoded the way Go marshals a ContentBlock (field order, empty fields omitted). */
function marshalledBlockLength(b: Block): number {
  const keys = [
    'type',
    'text',
    'citations',
    'source',
    'id',
    'name',
    'input',
    'tool_use_id',
    'content',
    'is_error',
    'thinking',
    'signature',
  ];
  const o: Record<string, unknown> = {};
  for (const k of keys) {
    const v = b[k];
    if (v !== undefined && v !== null && v !== '' && v !== false) o[k] = v;
  }
  return byteLength(goMarshal(o));
}

function blockLength(b: Block): number {
  let n = 0;
  if (typeof b.text === 'string') n += byteLength(b.text);
  if (typeof b.thinking === 'string') n += byteLength(b.thinking);
  if (b.type === 'tool_use' || b.type === 'tool_result') n += marshalledBlockLength(b);
  return n;
}

/**
 * The len/4 estimate sent in `message_start` (§6.4, scenario 26): bytes of the system prompt,
 * each role and block text/thinking, tool_use/tool_result JSON, and tool names, descriptions and
 * schemas, divided by four; at least 1 when there is anything at all.
 */
export function estimateInputTokens(
  system: unknown,
  messages: { role: string; content: Block[] }[],
  tools: unknown[],
): number {
  let total = 0;
  if (typeof system === 'string') total += byteLength(system);
  else if (Array.isArray(system))
    for (const b of system as unknown[]) total += isRecord(b) ? blockLength(b) : 0;
  else if (system !== undefined && system !== null) total += byteLength(goMarshal(system));
  for (const m of messages) {
    total += byteLength(m.role);
    for (const b of m.content) total += blockLength(b);
  }
  for (const t of tools) {
    if (!isRecord(t)) continue;
    total += byteLength(str(t.name)) + byteLength(str(t.description));
    if (t.input_schema !== undefined) total += byteLength(goMarshal(t.input_schema));
  }
  const tokens = Math.floor(total / 4);
  return tokens === 0 && (messages.length > 0 || (system !== undefined && system !== null)) ? 1 : tokens;
}
