/**
 * JSON as Ollama's Go server reads and writes it, so that our error texts and bytes match (§1).
 *
 * Reading: gin's `ShouldBindJSON` runs one `json.Decoder.Decode`, so an empty body is `EOF`, a
 * truncated one `unexpected EOF`, a syntax error the scanner's `invalid character …` text, and
 * anything after the first complete value is never read. Writing: `encoding/json` escapes `<`,
 * `>`, `&`, U+2028 and U+2029 inside strings, and `json.Encoder` ends each value with `\n`.
 */

export type GoDecodeResult = { ok: true; value: unknown } | { ok: false; message: string };

const WS = new Set([' ', '\t', '\n', '\r']);

/** Parses a request body the way `json.NewDecoder(body).Decode(&v)` would accept or reject it. */
export function decodeGoJson(body: Buffer): GoDecodeResult {
  const text = body.toString('utf8');
  let i = 0;
  while (i < text.length && WS.has(text[i] ?? '')) i++;
  if (i === text.length) return { ok: false, message: 'EOF' };
  const end = scanValue(text, i, 'looking for beginning of value');
  if (typeof end === 'string') return { ok: false, message: end };
  try {
    return { ok: true, value: JSON.parse(text.slice(i, end)) as unknown };
  } catch {
    // The scanner accepted it, so this is a JSON.parse/Go difference we did not model.
    return { ok: false, message: 'unexpected EOF' };
  }
}

function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  const escaped = JSON.stringify(c).slice(1, -1);
  return `'${escaped}'`;
}

function invalid(c: string, context: string): string {
  return `invalid character ${quoteChar(c)} ${context}`;
}

function skipWs(t: string, i: number): number {
  while (i < t.length && WS.has(t[i] ?? '')) i++;
  return i;
}

/** Returns the index just after the value starting at `i`, or Go's error text. */
function scanValue(t: string, i: number, context: string): number | string {
  i = skipWs(t, i);
  const c = t[i];
  if (c === undefined) return 'unexpected EOF';
  if (c === '{') return scanObject(t, i + 1);
  if (c === '[') return scanArray(t, i + 1);
  if (c === '"') return scanString(t, i + 1);
  if (c === '-' || (c >= '0' && c <= '9')) return scanNumber(t, i);
  for (const lit of ['true', 'false', 'null']) {
    if (c === lit[0]) return scanLiteral(t, i, lit);
  }
  return invalid(c, context);
}

function scanObject(t: string, i: number): number | string {
  i = skipWs(t, i);
  if (t[i] === '}') return i + 1;
  for (;;) {
    i = skipWs(t, i);
    const c = t[i];
    if (c === undefined) return 'unexpected EOF';
    if (c !== '"') return invalid(c, 'looking for beginning of object key string');
    const k = scanString(t, i + 1);
    if (typeof k === 'string') return k;
    i = skipWs(t, k);
    if (t[i] === undefined) return 'unexpected EOF';
    if (t[i] !== ':') return invalid(t[i] ?? '', 'after object key');
    const v = scanValue(t, i + 1, 'looking for beginning of value');
    if (typeof v === 'string') return v;
    i = skipWs(t, v);
    const d = t[i];
    if (d === undefined) return 'unexpected EOF';
    if (d === '}') return i + 1;
    if (d !== ',') return invalid(d, 'after object key:value pair');
    i++;
  }
}

function scanArray(t: string, i: number): number | string {
  i = skipWs(t, i);
  if (t[i] === ']') return i + 1;
  for (;;) {
    const v = scanValue(t, i, 'looking for beginning of value');
    if (typeof v === 'string') return v;
    i = skipWs(t, v);
    const d = t[i];
    if (d === undefined) return 'unexpected EOF';
    if (d === ']') return i + 1;
    if (d !== ',') return invalid(d, 'after array element');
    i++;
  }
}

function scanString(t: string, i: number): number | string {
  for (;;) {
    const c = t[i];
    if (c === undefined) return 'unexpected EOF';
    if (c === '"') return i + 1;
    if (c < ' ') return invalid(c, 'in string literal');
    if (c === '\\') {
      const e = t[i + 1];
      if (e === undefined) return 'unexpected EOF';
      if (e === 'u') {
        for (let k = 2; k < 6; k++) {
          const h = t[i + k];
          if (h === undefined) return 'unexpected EOF';
          if (!/[0-9a-fA-F]/.test(h)) return invalid(h, 'in \\u hexadecimal character escape');
        }
        i += 6;
        continue;
      }
      if (!'"\\/bfnrt'.includes(e)) return invalid(e, 'in string escape code');
      i += 2;
      continue;
    }
    i++;
  }
}

function scanNumber(t: string, i: number): number | string {
  const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
  if (t[i] === '-') {
    i++;
    if (t[i] === undefined) return 'unexpected EOF';
    if (!isDigit(t[i])) return invalid(t[i] ?? '', 'in numeric literal');
  }
  if (t[i] === '0') i++;
  else while (isDigit(t[i])) i++;
  if (t[i] === '.') {
    i++;
    if (t[i] === undefined) return 'unexpected EOF';
    if (!isDigit(t[i])) return invalid(t[i] ?? '', 'after decimal point in numeric literal');
    while (isDigit(t[i])) i++;
  }
  if (t[i] === 'e' || t[i] === 'E') {
    i++;
    if (t[i] === '+' || t[i] === '-') i++;
    if (t[i] === undefined) return 'unexpected EOF';
    if (!isDigit(t[i])) return invalid(t[i] ?? '', 'in exponent of numeric literal');
    while (isDigit(t[i])) i++;
  }
  return i;
}

function scanLiteral(t: string, i: number, lit: string): number | string {
  for (let k = 1; k < lit.length; k++) {
    const c = t[i + k];
    if (c === undefined) return 'unexpected EOF';
    if (c !== lit[k]) return invalid(c, `in literal ${lit} (expecting ${quoteChar(lit[k] ?? '')})`);
  }
  return i + lit.length;
}

/** `JSON.stringify` with Go's HTML-safe escaping (what `json.Marshal` puts on the wire). */
export function goMarshal(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A float32 printed the way Go prints one: the shortest decimal that round-trips in 32 bits. */
export function toGoFloat32(n: number): number {
  const f = Math.fround(n);
  if (!Number.isFinite(f) || f === 0) return f;
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(f.toPrecision(p));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}
