/**
 * Identifiers we mint for Anthropic clients (client-apis.md §C.3) and the placeholder thinking
 * signature (§C.7).
 */
import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` base62 characters; bytes ≥ 248 are skipped so every character is equally likely. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= 248) continue;
      out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** `msg_` + 24 base62, the shape of real message ids (§A.6). */
export function newMessageId(): string {
  return `msg_${randomBase62(24)}`;
}

/**
 * `toolu_` + 24 base62. We always mint the client-visible id instead of passing Ollama's on
 * (§C.3's "simplest policy"): upstream ids may be missing, may contain characters the real API
 * refuses on replay (`.`, CLIProxyAPI#1872), or may repeat across turns (`call_0`), and Claude
 * Code pairs results with calls by id across the whole session. Nothing maps them back: the
 * client returns the id in `tool_result.tool_use_id` and Ollama accepts any string.
 */
export function newToolUseId(): string {
  return `toolu_${randomBase62(24)}`;
}

/** The pattern the real API enforces on `tool_use.id` (§A.3). */
export const TOOL_USE_ID_PATTERN = /^[a-zA-Z0-9_-]+$/;

/**
 * Signature we put on every thinking block we emit. Claude Code drops thinking blocks that end
 * without a `signature_delta` and can show an empty answer (routatic/proxy#51,
 * nielspeter/claude-code-proxy#17), so we always send one. It is no real signature: the decoder
 * turns it back into "unsigned", so a cloud fallback can strip such blocks instead of forwarding
 * them to Anthropic, which would refuse them (mnfst/llm-gateway#1658, §D.20).
 */
export const UNSIGNED_THINKING_SIGNATURE = 'corral-unsigned';
