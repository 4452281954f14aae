/**
 * `keep_alive` values (§2.8): a JSON number is seconds, a string is Go duration syntax, negative
 * means forever. Errors carry Go's `time.ParseDuration` texts because Ollama returns them as-is.
 */

/** Milliseconds; `Infinity` = keep loaded forever. */
export type KeepAliveMs = number;

export type DurationResult = { ok: true; ms: number } | { ok: false; error: string };

const unitMs: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's strconv.Quote for the common (printable) case, which is what duration errors print. */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Parses Go duration syntax (`1h30m`, `250ms`, `-1m`, `0`); returns milliseconds. */
export function parseGoDuration(input: string): DurationResult {
  const invalid = { ok: false as const, error: `time: invalid duration ${goQuote(input)}` };
  let s = input;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return { ok: true, ms: 0 };
  if (s === '') return invalid;
  let total = 0;
  while (s !== '') {
    const num = /^(\d*)(?:\.(\d*))?/.exec(s);
    const whole = num?.[1] ?? '';
    const frac = num?.[2];
    if (whole === '' && (frac === undefined || frac === '')) return invalid;
    s = s.slice(num?.[0].length ?? 0);
    const unit = /^[^\d.]*/.exec(s)?.[0] ?? '';
    if (unit === '') return { ok: false, error: `time: missing unit in duration ${goQuote(input)}` };
    const factor = unitMs[unit];
    if (factor === undefined) {
      return { ok: false, error: `time: unknown unit ${goQuote(unit)} in duration ${goQuote(input)}` };
    }
    s = s.slice(unit.length);
    total += Number(`${whole || '0'}.${frac ?? ''}0`) * factor;
  }
  return { ok: true, ms: negative ? -total : total };
}

/**
 * Decodes a `keep_alive` value as Ollama's Duration.UnmarshalJSON does: number = seconds,
 * string = Go duration, negative = forever, other JSON types = `Unsupported type: '<go type>'`.
 */
export function parseKeepAlive(value: unknown): { ok: true; ms: KeepAliveMs } | { ok: false; error: string } {
  if (typeof value === 'number') return { ok: true, ms: value < 0 ? Infinity : value * 1000 };
  if (typeof value === 'string') {
    const d = parseGoDuration(value);
    if (!d.ok) return d;
    return { ok: true, ms: d.ms < 0 ? Infinity : d.ms };
  }
  return { ok: false, error: `Unsupported type: '${goTypeName(value)}'` };
}

function goTypeName(value: unknown): string {
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return '[]interface {}';
  if (value === null || value === undefined) return '<nil>';
  return 'map[string]interface {}';
}

/** The `OLLAMA_KEEP_ALIVE`-style default: durations and bare integers (seconds) are accepted. */
export function parseDefaultKeepAlive(value: string | number): KeepAliveMs {
  if (typeof value === 'number' || /^-?\d+$/.test(value)) {
    const n = Number(value);
    return n < 0 ? Infinity : n * 1000;
  }
  const d = parseGoDuration(value);
  if (!d.ok) throw new Error(`invalid keep-alive ${JSON.stringify(value)}: ${d.error}`);
  return d.ms < 0 ? Infinity : d.ms;
}
