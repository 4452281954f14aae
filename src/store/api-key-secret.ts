import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API key format: `crl_` + 8 public chars + 32 secret chars, all base62. The 8-char prefix is
 * stored in clear for display and lookup; the 32 secret chars carry ~190 bits of entropy.
 *
 * Keys are stored as SHA-256 digests. A slow hash (scrypt, bcrypt) protects low-entropy
 * passwords against offline guessing; a 190-bit random secret cannot be guessed either way, and
 * a slow hash would cost tens of milliseconds of CPU on every request. An HMAC with a server
 * secret would add protection only if that secret were kept apart from the database, which
 * needs key management we don't have.
 */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const PREFIX_CHARS = 8;
const SECRET_CHARS = 32;
const KEY_PATTERN = new RegExp(`^crl_[0-9A-Za-z]{${PREFIX_CHARS + SECRET_CHARS}}$`);

/** Uniform base62: bytes ≥ 248 are rejected so `% 62` has no bias (248 = 4 × 62). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= 248) continue;
      out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export interface NewKeySecret {
  plaintext: string;
  prefix: string;
  hash: string;
}

export function generateKeySecret(): NewKeySecret {
  const plaintext = `crl_${randomBase62(PREFIX_CHARS + SECRET_CHARS)}`;
  return { plaintext, prefix: keyPrefix(plaintext), hash: hashKey(plaintext) };
}

export function isWellFormedKey(plaintext: string): boolean {
  return KEY_PATTERN.test(plaintext);
}

export function keyPrefix(plaintext: string): string {
  return plaintext.slice(0, 4 + PREFIX_CHARS);
}

export function hashKey(plaintext: string): string {
  return createHash('sha256').update(plaintext, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex digests of equal length. */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
