import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { readEnv } from './env.js';
import type { ConfigIssue } from './errors.js';
import { ConfigError } from './errors.js';
import type { PartialConfigFromFlags } from './flags.js';
import { readFlags } from './flags.js';
import type { Provenance, RawObject } from './merge.js';
import { isPlainObject, mergeLayer } from './merge.js';
import type { Config } from './schema.js';
import { ConfigSchema, showValue } from './schema.js';
import { listEnvSettings } from './schema-walk.js';
import { validateConfig } from './validate.js';

/** Looked up in the working directory when no file is named. */
export const DEFAULT_CONFIG_FILE = 'corral.yaml';

export interface LoadConfigOptions {
  /** Config file (`--config`); relative to `cwd`. Wins over `CORRAL_CONFIG` and `./corral.yaml`. */
  readonly file?: string | undefined;
  /** The environment, passed in: nothing in Corral reads `process.env` but the CLI. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly flags?: PartialConfigFromFlags;
  /** Base for relative file paths; defaults to `process.cwd()`. */
  readonly cwd?: string;
}

const ENV_SETTINGS = Object.freeze(listEnvSettings(ConfigSchema));

/**
 * Builds the one `Config`: defaults < file < `CORRAL_*` env < flags, validated once and deeply
 * frozen. Works with no file at all. Throws `ConfigError` listing every problem (bad YAML, unknown
 * keys or variables, wrong values), each with its key and where it came from.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const env = readEnv(options.env ?? {}, ENV_SETTINGS);
  const issues: ConfigIssue[] = [];
  const merged: RawObject = {};
  const provenance: Provenance = new Map();

  const file = locateConfigFile(options.file, env.configFile, cwd);
  if (file !== undefined) {
    const read = readConfigFile(file);
    issues.push(...read.issues);
    if (read.value !== undefined) mergeLayer(merged, read.value, file.label, provenance);
  }
  issues.push(...env.issues);
  for (const layer of [...env.layers, ...readFlags(options.flags ?? {})]) {
    mergeLayer(merged, layer.value, layer.source, provenance);
  }

  const validated = validateConfig(merged, provenance);
  if (!validated.ok) issues.push(...validated.issues);
  if (issues.length > 0 || !validated.ok) throw new ConfigError(issues);
  return validated.config;
}

/**
 * Validates an in-memory config object (tests, embedding Corral as a library) with the same rules
 * and messages as `loadConfig`; `source` labels where it came from in error messages.
 */
export function parseConfig(input: unknown, source = 'input'): Config {
  const provenance: Provenance = new Map();
  let raw = input;
  if (isPlainObject(input)) {
    const merged: RawObject = {};
    mergeLayer(merged, input, source, provenance);
    raw = merged;
  } else {
    provenance.set('', source);
  }
  const validated = validateConfig(raw, provenance);
  if (!validated.ok) throw new ConfigError(validated.issues);
  return validated.config;
}

interface ConfigFileRef {
  readonly path: string;
  /** How errors name the file: relative to cwd when inside it (`corral.yaml`). */
  readonly label: string;
  /** Who asked for it, for "not found" messages; undefined for the optional `./corral.yaml`. */
  readonly namedBy: string | undefined;
}

function locateConfigFile(
  file: string | undefined,
  fromEnv: string | undefined,
  cwd: string,
): ConfigFileRef | undefined {
  const named = file !== undefined && file !== '' ? { name: file, by: 'the config file option' } : undefined;
  const chosen = named ?? (fromEnv === undefined ? undefined : { name: fromEnv, by: 'CORRAL_CONFIG' });
  if (chosen === undefined) {
    const path = resolve(cwd, DEFAULT_CONFIG_FILE);
    return existsSync(path) ? { path, label: DEFAULT_CONFIG_FILE, namedBy: undefined } : undefined;
  }
  const path = resolve(cwd, chosen.name);
  const inside = relative(cwd, path);
  const label = inside !== '' && !inside.startsWith('..') && !isAbsolute(inside) ? inside : path;
  return { path, label, namedBy: chosen.by };
}

function readConfigFile(file: ConfigFileRef): { value?: RawObject; issues: ConfigIssue[] } {
  let text: string;
  try {
    text = readFileSync(file.path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : `cannot read (${code})`;
    const by = file.namedBy === undefined ? '' : `; check the path given by ${file.namedBy}`;
    return { issues: [{ source: file.label, message: `${why}: ${file.path}${by}` }] };
  }

  // prettyErrors adds line and column to each error; uniqueKeys (default) rejects a key set twice.
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    return {
      issues: doc.errors.map((error) => {
        const position = error.linePos?.[0];
        const where = position === undefined ? file.label : `${file.label}:${position.line}:${position.col}`;
        // The first line is the message; the rest is a code excerpt that reads badly inside a list.
        const message = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
        return { source: where, message: `invalid YAML: ${message}` };
      }),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (error) {
    return { issues: [{ source: file.label, message: `invalid YAML: ${(error as Error).message}` }] };
  }
  if (value === null || value === undefined) return { value: {}, issues: [] }; // an empty file is fine
  if (!isPlainObject(value)) {
    return {
      issues: [
        {
          source: file.label,
          message: `expected a mapping of sections (server:, backends:, …), got ${showValue(value)}`,
        },
      ],
    };
  }
  return { value: withoutNulls(value), issues: [] };
}

/**
 * A key with no value counts as unset, as an empty env var does: YAML reads a section whose every
 * line is commented out (`server:` then `#  port: 8080`) as null, and that must mean "defaults".
 */
function withoutNulls(value: RawObject): RawObject {
  const result: RawObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (child === null) continue;
    const kept = isPlainObject(child) ? withoutNulls(child) : child;
    Object.defineProperty(result, key, { value: kept, enumerable: true, writable: true, configurable: true });
  }
  return result;
}
