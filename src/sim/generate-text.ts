/**
 * Deterministic output: the same prompt, seed and model give the same text, so tests and caches
 * can compare replies. A "token" is one word with its leading whitespace (≈ words, §2.2 counts).
 */

const vocabulary = (
  'the a of to and in that is for it with as on was by this be are from at or an have not they which ' +
  'model queue token reply answer request system value simple result clear small quick steady river ' +
  'light stone cloud window garden signal number pattern morning evening paper letter music silver ' +
  'bright quiet gentle careful useful certain open early later often always rarely here there then'
).split(' ');

/** FNV-1a over a string, 32 bits. */
export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function makeRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits text into tokens: each word keeps its leading whitespace; trailing whitespace is its own token. */
export function tokenize(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/** Rough token count of a prompt text (≈ words). */
export function countTokens(text: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const ws = c === 32 || c === 10 || c === 9 || c === 13;
    if (!ws && !inWord) n++;
    inWord = !ws;
  }
  return n;
}

function pick(rng: () => number): string {
  return vocabulary[Math.floor(rng() * vocabulary.length)] ?? 'the';
}

/**
 * `count` words as tokens, sentence-cased, with a full stop every ~12 words. Lazy, so that
 * `long 1000000` costs nothing until the tokens are actually sent.
 */
export function* proseStream(rng: () => number, count: number): Generator<string> {
  let sentenceStart = true;
  for (let i = 0; i < count; i++) {
    let word = pick(rng);
    if (sentenceStart) word = word.charAt(0).toUpperCase() + word.slice(1);
    sentenceStart = false;
    const endsSentence = i === count - 1 || rng() < 0.08;
    if (endsSentence) {
      word += '.';
      sentenceStart = true;
    }
    yield i === 0 ? word : ` ${word}`;
  }
}

export function proseTokens(rng: () => number, count: number): string[] {
  return [...proseStream(rng, count)];
}

/** A default reply length between 12 and 40 tokens, fixed by the rng. */
export function defaultLength(rng: () => number): number {
  return 12 + Math.floor(rng() * 29);
}

function words(rng: () => number, n: number): string {
  return proseTokens(rng, n).join('').replace(/\.$/, '');
}

/** A value that satisfies a (simple) JSON Schema: object/array/string/number/integer/boolean/enum/const/anyOf. */
export function valueForSchema(schema: unknown, rng: () => number, depth = 0): unknown {
  if (typeof schema !== 'object' || schema === null || depth > 6) return words(rng, 3);
  const s = schema as Record<string, unknown>;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[Math.floor(rng() * s.enum.length)];
  const alternatives = s.anyOf ?? s.oneOf;
  if (Array.isArray(alternatives) && alternatives.length > 0)
    return valueForSchema(alternatives[0], rng, depth + 1);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'object':
    case undefined: {
      const props =
        typeof s.properties === 'object' && s.properties !== null
          ? (s.properties as Record<string, unknown>)
          : undefined;
      if (!props) return type === 'object' ? { answer: words(rng, 4) } : words(rng, 3);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(props)) out[k] = valueForSchema(v, rng, depth + 1);
      return out;
    }
    case 'array': {
      const n = typeof s.minItems === 'number' ? Math.max(1, s.minItems) : 1 + Math.floor(rng() * 2);
      return Array.from({ length: n }, () => valueForSchema(s.items, rng, depth + 1));
    }
    case 'integer':
      return Math.floor(rng() * 100);
    case 'number':
      return Math.round(rng() * 10_000) / 100;
    case 'boolean':
      return rng() < 0.5;
    case 'null':
      return null;
    default:
      return words(rng, 3);
  }
}

/** JSON output for `format` (§2.2): `"json"` gives a small object, a schema gives a matching value. */
export function jsonReplyTokens(format: unknown, rng: () => number): string[] {
  const value = format === 'json' ? { response: words(rng, 6) } : valueForSchema(format, rng);
  const text = JSON.stringify(value);
  // JSON has few spaces; cut it in pieces of ~4 characters so eval_count looks like real tokens.
  return text.match(/[\s\S]{1,4}/g) ?? [];
}

/** Tool-call ids as Ollama's own parser makes them (§2.2): `call_` + 8 of [a-z0-9]. */
export function toolCallId(rng: () => number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let id = 'call_';
  for (let i = 0; i < 8; i++) id += alphabet[Math.floor(rng() * alphabet.length)] ?? 'a';
  return id;
}

/** Fake token ids for `/api/generate`'s deprecated `context` field. */
export function contextIds(count: number, seed: number): number[] {
  const rng = makeRng(seed);
  return Array.from({ length: count }, () => Math.floor(rng() * 128_000));
}
