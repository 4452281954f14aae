/**
 * Decoders for the request fields /api/chat, /api/generate and /api/embed share: `keep_alive`
 * (§2.8), `think` (§2.9), `format` (§2.2), `options` (§2.7) and base64 `images` (§2.2).
 */
import type { ImageBlock, Sampling, ThinkSetting } from '../../core/chat.js';
import type { FieldPath, JsonRecord } from './wire-read.js';
import { field, invalid, isRecord, item, setField, typeError } from './wire-read.js';

const DURATION_UNITS = new Set(['ns', 'us', 'µs', 'μs', 'ms', 's', 'm', 'h']);

/** Go's `time.ParseDuration` syntax check; returns the Go error text, or undefined when valid. */
export function goDurationError(text: string): string | undefined {
  const quoted = JSON.stringify(text);
  let s = text.replace(/^[-+]/, '');
  if (s === '0') return undefined;
  if (s === '') return `time: invalid duration ${quoted}`;
  while (s !== '') {
    const number = /^(\d*)(\.\d*)?/.exec(s);
    const digits = number?.[0] ?? '';
    if (digits === '' || digits === '.') return `time: invalid duration ${quoted}`;
    s = s.slice(digits.length);
    const unit = /^[^\d.]*/.exec(s)?.[0] ?? '';
    if (unit === '') return `time: missing unit in duration ${quoted}`;
    if (!DURATION_UNITS.has(unit)) return `time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`;
    s = s.slice(unit.length);
  }
  return undefined;
}

/** Go's `reflect.TypeOf` names for values Ollama's Duration refuses. */
function goTypeName(value: unknown): string {
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** `keep_alive`: seconds or a Go duration string, passed on as given (§2.8). */
export function decodeKeepAlive(value: unknown): number | string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const error = goDurationError(value);
    if (error !== undefined) throw invalid(error, 'keep_alive');
    return value;
  }
  throw invalid(`Unsupported type: '${goTypeName(value)}'`, 'keep_alive');
}

const THINK_LEVELS: ReadonlySet<string> = new Set(['low', 'medium', 'high', 'max']);

export function decodeThink(value: unknown): ThinkSetting | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    if (THINK_LEVELS.has(value)) return value as ThinkSetting;
    throw invalid(
      `invalid think value: ${JSON.stringify(value)} (must be "high", "medium", "low", "max", true, or false)`,
      'think',
    );
  }
  throw invalid(
    'think must be a boolean or string ("high", "medium", "low", "max", true, or false)',
    'think',
  );
}

/** `null` and `""` mean unset (§2.2); anything but "json" or an object is refused up front. */
export function decodeFormat(value: unknown): 'json' | Record<string, unknown> | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (value === 'json') return 'json';
  if (isRecord(value)) return value;
  throw invalid(
    `invalid format: ${JSON.stringify(value)}; expected "json" or a valid JSON Schema object`,
    'format',
  );
}

export interface DecodedOptions {
  sampling: Sampling;
  ollamaOptions?: Record<string, unknown>;
}

function optionNumber(key: string, value: unknown, integer: boolean): number {
  if (typeof value !== 'number') {
    throw invalid(`option "${key}" must be of type ${integer ? 'integer' : 'float32'}`, `options.${key}`);
  }
  // Ollama truncates integers given as floats (§2.7).
  return integer ? Math.trunc(value) : value;
}

function optionStop(value: unknown): string[] {
  if (!Array.isArray(value)) throw invalid('option "stop" must be of type array', 'options.stop');
  return value.map((entry) => {
    if (typeof entry !== 'string')
      throw invalid('option "stop" must be of an array of strings', 'options.stop');
    return entry;
  });
}

/**
 * Splits `options` into canonical sampling and the rest. Ollama's sentinels (`num_predict` -1/-2,
 * `seed` -1, `num_ctx` ≤ 0) stay in `ollamaOptions`: they are not a length or a seed other
 * backends could honour, and keeping them there still round-trips them to Ollama unchanged.
 */
export function decodeOptions(value: unknown, path: FieldPath): DecodedOptions {
  const sampling: Sampling = {};
  if (value === undefined || value === null) return { sampling };
  if (!isRecord(value)) throw typeError(field(path, 'options'), value, 'map[string]interface {}');
  let rest: JsonRecord | undefined;
  for (const [key, raw] of Object.entries(value)) {
    if (!assignSampling(sampling, key, raw)) setField((rest ??= {}), key, raw);
  }
  return rest === undefined ? { sampling } : { sampling, ollamaOptions: rest };
}

/** True when `key` was taken into `sampling` (or was a null we drop). */
function assignSampling(sampling: Sampling, key: string, raw: unknown): boolean {
  if (key === 'stop') {
    if (raw !== null) sampling.stop = optionStop(raw);
    return true;
  }
  const spec = Object.hasOwn(NUMERIC_OPTIONS, key) ? NUMERIC_OPTIONS[key] : undefined;
  if (spec === undefined) return false;
  if (raw === null) return true;
  const number = optionNumber(key, raw, spec.integer);
  if (spec.sentinel(number)) return false;
  sampling[spec.target] = number;
  return true;
}

interface NumericOption {
  target: Exclude<keyof Sampling, 'stop'>;
  integer: boolean;
  /** Ollama's special values (§2.7), kept out of canonical sampling. */
  sentinel: (n: number) => boolean;
}

const NUMERIC_OPTIONS: Record<string, NumericOption> = {
  temperature: { target: 'temperature', integer: false, sentinel: () => false },
  top_p: { target: 'topP', integer: false, sentinel: () => false },
  top_k: { target: 'topK', integer: true, sentinel: () => false },
  seed: { target: 'seed', integer: true, sentinel: (n) => n < 0 },
  num_predict: { target: 'maxOutputTokens', integer: true, sentinel: (n) => n < 0 },
  num_ctx: { target: 'numCtx', integer: true, sentinel: (n) => n <= 0 },
};

const BASE64_STRICT = /^[A-Za-z0-9+/\r\n]*={0,2}$/;

/**
 * Position of the first byte Go's base64 decoder rejects, -1 for plain base64. Only the cheap
 * regex runs for valid images; the offsets (a foreign character, data after the padding, or
 * the end for a bad length) are worked out only when it fails.
 */
export function base64ErrorOffset(text: string): number {
  if (BASE64_STRICT.test(text)) {
    const dataLength = text.length - (text.match(/[\r\n]/g)?.length ?? 0);
    return dataLength % 4 === 0 ? -1 : text.length;
  }
  const foreign = /[^A-Za-z0-9+/\r\n=]/.exec(text)?.index ?? text.length;
  const pad = text.indexOf('=');
  const trailing = pad < 0 ? -1 : (/[^=\r\n]/.exec(text.slice(pad))?.index ?? -1);
  return Math.min(foreign, trailing < 0 ? text.length : pad + trailing);
}

const SIGNATURES: Array<[string, string]> = [
  ['iVBORw0KGgo', 'image/png'],
  ['/9j/', 'image/jpeg'],
  ['R0lGOD', 'image/gif'],
  ['UklGR', 'image/webp'],
];

/** Ollama images carry no media type; the first bytes tell the common ones apart. */
export function sniffMediaType(data: string): string {
  for (const [prefix, type] of SIGNATURES) if (data.startsWith(prefix)) return type;
  return 'application/octet-stream';
}

/** `images`: plain base64 strings only; a `data:` URL fails as Go's decoder does (§2.2). */
export function decodeImages(value: unknown, path: FieldPath): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw typeError(path, value, '[]api.ImageData');
  return value.map((entry, index) => {
    if (typeof entry !== 'string') throw typeError(path, entry, 'api.ImageData');
    const offset = base64ErrorOffset(entry);
    if (offset >= 0) throw invalid(`illegal base64 data at input byte ${offset}`, item(path, index).param);
    return entry;
  });
}

export function imageBlock(data: string): ImageBlock {
  return { type: 'image', mediaType: sniffMediaType(data), data };
}
