/**
 * Layering of raw (unvalidated) config values: file < env < flags. Objects merge key by key;
 * lists and scalars are replaced whole, so `--ollama` or `CORRAL_BACKENDS` never mixes its hosts
 * with the file's. Each written key remembers its source, so a validation error can say where the
 * bad value came from.
 */

export type RawObject = Record<string, unknown>;

/** Dotted key → source label of the layer that last wrote it (`corral.yaml`, `CORRAL_…`, `--port`). */
export type Provenance = Map<string, string>;

export function isPlainObject(value: unknown): value is RawObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** `['backends', 0, 'url']` → `backends[0].url` */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text;
}

/** The source of the closest recorded ancestor of `key` (`''` is the whole value), or `default`. */
export function sourceOf(provenance: Provenance, key: string): string {
  for (let current = key; current !== ''; current = parentKey(current)) {
    const source = provenance.get(current);
    if (source !== undefined) return source;
  }
  return provenance.get('') ?? 'default';
}

function parentKey(key: string): string {
  const cut = Math.max(key.lastIndexOf('.'), key.lastIndexOf('['));
  return cut <= 0 ? '' : key.slice(0, cut);
}

function isUnder(key: string, ancestor: string): boolean {
  return key.startsWith(`${ancestor}.`) || key.startsWith(`${ancestor}[`);
}

/** Records that `source` wrote the value at `key`, forgetting whatever wrote below it before. */
function recordSource(provenance: Provenance, key: string, source: string): void {
  for (const existing of [...provenance.keys()]) if (isUnder(existing, key)) provenance.delete(existing);
  provenance.set(key, source);
}

/**
 * Merges `patch` into `target` in place. Values are not copied: every layer is a fresh object
 * parsed by the loader, and validation builds a new object anyway.
 */
export function mergeLayer(
  target: RawObject,
  patch: RawObject,
  source: string,
  provenance: Provenance,
  path: readonly string[] = [],
): void {
  for (const [key, value] of Object.entries(patch)) {
    const keyPath = [...path, key];
    const existing = Object.hasOwn(target, key) ? target[key] : undefined;
    if (isPlainObject(existing) && isPlainObject(value)) {
      mergeLayer(existing, value, source, provenance, keyPath);
      continue;
    }
    // defineProperty, not assignment: a `__proto__` key in a file must stay a plain (unknown) key
    // for validation to reject, never become the object's prototype.
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
    recordSource(provenance, formatPath(keyPath), source);
  }
}

/** Builds `{ a: { b: value } }` from `['a', 'b']`. */
export function nest(path: readonly string[], value: unknown): RawObject {
  let result: unknown = value;
  for (let i = path.length - 1; i >= 0; i--) {
    const level: RawObject = {};
    Object.defineProperty(level, path[i] ?? '', {
      value: result,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    result = level;
  }
  return isPlainObject(result) ? result : {};
}

/** Freezes `value` and everything reachable from it, so no component can change shared config. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
