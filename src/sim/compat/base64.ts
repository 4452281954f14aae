/**
 * Go's `base64.StdEncoding.DecodeString`: standard alphabet, padding required, `\r`/`\n` skipped.
 * Node's decoder accepts almost anything, but Ollama rejects bad image data with a 400 (§5.2,
 * §6.1), and the Anthropic text quotes Go's `illegal base64 data at input byte N`.
 */

const ALPHABET = /[A-Za-z0-9+/]/;

export type Base64Result = { ok: true; bytes: Buffer } | { ok: false; message: string };

export function decodeStdBase64(s: string): Base64Result {
  let quantum = 0; // characters seen in the current 4-character group
  let quantumStart = 0;
  let padding = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    if (c === '\r' || c === '\n') continue;
    if (padding > 0) {
      // After the first '=', only the second '=' of a 2-char group may follow.
      if (c === '=' && quantum === 3 && padding === 1) {
        padding = 2;
        quantum = 4;
        continue;
      }
      return illegal(i);
    }
    if (quantum === 4) quantum = 0;
    if (quantum === 0) quantumStart = i;
    if (c === '=') {
      if (quantum < 2) return illegal(i);
      padding = 1;
      quantum++;
      continue;
    }
    if (!ALPHABET.test(c)) return illegal(i);
    quantum++;
  }
  if (quantum !== 0 && quantum !== 4) return illegal(padding > 0 ? s.length : quantumStart);
  return { ok: true, bytes: Buffer.from(s.replace(/[\r\n]/g, ''), 'base64') };
}

function illegal(at: number): Base64Result {
  return { ok: false, message: `illegal base64 data at input byte ${at}` };
}

/** Decode then re-encode: native `images` are plain standard base64 of the bytes (§2.2). */
export function normaliseBase64(s: string): string | undefined {
  const r = decodeStdBase64(s);
  return r.ok ? r.bytes.toString('base64') : undefined;
}
