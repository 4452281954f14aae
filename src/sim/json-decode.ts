/**
 * Request-body JSON parsing with Go's error texts (§1, §3.2). Ollama binds bodies with gin, which
 * runs `json.NewDecoder(body).Decode(&req)`: only the first JSON value is read (trailing bytes are
 * ignored), an empty or whitespace-only body is io.EOF (→ `missing request body`), a body that
 * ends inside a value is `unexpected EOF`, and syntax errors read `invalid character 'x' ...`.
 *
 * The fast path is JSON.parse; the scanner below only runs when that fails (or the body carries
 * trailing bytes), so well-formed requests pay nothing extra.
 */

export type JsonParseResult =
  { ok: true; value: unknown } | { ok: false; empty: true } | { ok: false; empty: false; error: string };

class GoSyntaxError extends Error {}

/** Go's `quoteChar`: the offending character as it appears in `invalid character ...`. */
export function goQuoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  const escapes: Record<string, string> = {
    '\x07': '\\a',
    '\b': '\\b',
    '\f': '\\f',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
    '\v': '\\v',
    '\\': '\\\\',
  };
  const esc = escapes[c];
  if (esc !== undefined) return `'${esc}'`;
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return `'\\x${code.toString(16).padStart(2, '0')}'`;
  return `'${c}'`;
}

const isWs = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);

/** A scanner over one string that throws GoSyntaxError with Go's phrasing. */
class Scanner {
  pos = 0;
  constructor(private readonly s: string) {}

  private fail(context: string): never {
    const c = this.s[this.pos];
    if (c === undefined) throw new GoSyntaxError('unexpected EOF');
    throw new GoSyntaxError(`invalid character ${goQuoteChar(c)} ${context}`);
  }

  skipWs(): void {
    while (isWs(this.s[this.pos])) this.pos++;
  }

  atEnd(): boolean {
    return this.pos >= this.s.length;
  }

  value(depth: number): void {
    if (depth > 10_000) throw new GoSyntaxError('exceeded max depth');
    this.skipWs();
    const c = this.s[this.pos];
    if (c === '{') this.object(depth);
    else if (c === '[') this.array(depth);
    else if (c === '"') this.string();
    else if (c === '-' || isDigit(c)) this.number();
    else if (c === 't') this.literal('true');
    else if (c === 'f') this.literal('false');
    else if (c === 'n') this.literal('null');
    else this.fail('looking for beginning of value');
  }

  private object(depth: number): void {
    this.pos++;
    this.skipWs();
    if (this.s[this.pos] === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      if (this.s[this.pos] !== '"') this.fail('looking for beginning of object key string');
      this.string();
      this.skipWs();
      if (this.s[this.pos] !== ':') this.fail('after object key');
      this.pos++;
      this.value(depth + 1);
      this.skipWs();
      const c = this.s[this.pos];
      if (c === '}') {
        this.pos++;
        return;
      }
      if (c !== ',') this.fail('after object key:value pair');
      this.pos++;
      this.skipWs();
    }
  }

  private array(depth: number): void {
    this.pos++;
    this.skipWs();
    if (this.s[this.pos] === ']') {
      this.pos++;
      return;
    }
    for (;;) {
      this.value(depth + 1);
      this.skipWs();
      const c = this.s[this.pos];
      if (c === ']') {
        this.pos++;
        return;
      }
      if (c !== ',') this.fail('after array element');
      this.pos++;
    }
  }

  private string(): void {
    this.pos++;
    for (;;) {
      const c = this.s[this.pos];
      if (c === undefined) this.fail('');
      if (c === '"') {
        this.pos++;
        return;
      }
      if (c === '\\') {
        this.pos++;
        const e = this.s[this.pos];
        if (e === 'u') {
          for (let i = 0; i < 4; i++) {
            this.pos++;
            if (!isHex(this.s[this.pos])) this.fail('in \\u hexadecimal character escape');
          }
        } else if (e === undefined || !'"\\/bfnrt'.includes(e)) {
          this.fail('in string escape code');
        }
      } else if (c < ' ') {
        this.fail('in string literal');
      }
      this.pos++;
    }
  }

  private number(): void {
    if (this.s[this.pos] === '-') {
      this.pos++;
      if (!isDigit(this.s[this.pos])) this.fail('in numeric literal');
    }
    if (this.s[this.pos] === '0') this.pos++;
    else while (isDigit(this.s[this.pos])) this.pos++;
    if (this.s[this.pos] === '.') {
      this.pos++;
      if (!isDigit(this.s[this.pos])) this.fail('after decimal point in numeric literal');
      while (isDigit(this.s[this.pos])) this.pos++;
    }
    const e = this.s[this.pos];
    if (e === 'e' || e === 'E') {
      this.pos++;
      const sign = this.s[this.pos];
      if (sign === '+' || sign === '-') this.pos++;
      if (!isDigit(this.s[this.pos])) this.fail('in exponent of numeric literal');
      while (isDigit(this.s[this.pos])) this.pos++;
    }
  }

  private literal(word: string): void {
    for (let i = 0; i < word.length; i++) {
      if (this.s[this.pos] !== word[i]) {
        this.fail(
          i === 0
            ? 'looking for beginning of value'
            : `in literal ${word} (expecting ${goQuoteChar(word[i] ?? '')})`,
        );
      }
      this.pos++;
    }
  }
}

/** Parses a request body like Go's json.Decoder reading one value. */
export function parseJsonBody(body: Buffer | string): JsonParseResult {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    // fall through to the Go-faithful scanner
  }
  const scanner = new Scanner(text);
  scanner.skipWs();
  if (scanner.atEnd()) return { ok: false, empty: true };
  const start = scanner.pos;
  try {
    scanner.value(0);
  } catch (err) {
    if (err instanceof GoSyntaxError) return { ok: false, empty: false, error: err.message };
    if (err instanceof RangeError) return { ok: false, empty: false, error: 'exceeded max depth' };
    throw err;
  }
  // The first value is well-formed; anything after it is ignored, as the Go decoder does.
  return { ok: true, value: JSON.parse(text.slice(start, scanner.pos)) };
}
